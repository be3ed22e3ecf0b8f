import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

/// Step and token budgets, a task that cannot fit, and compaction of a history that would
/// overflow the context.
@Suite("Worker: budgets and context", .serialized, .timeLimit(.minutes(2)), .enabled(if: BubblewrapRequirement.shouldRun))
struct WorkerBudgetTests {
    /// `lines` numbered lines of 71 bytes each, the last one a marker.
    static func longFile(lines: Int, name: String) -> String {
        (1..<lines).map { "\(name) line \(String(format: "%04d", $0)): " + String(repeating: "x", count: 50) + "\n" }
            .joined() + "\(name) LAST LINE MARKER\n"
    }

    @Test("maxSteps reached: not finished, and the summary says the step budget ran out")
    func stepBudget() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(ModelWire.openAI.action("list_dir", [:]).repeating)

        let outcome = try await harness.run(limits: AgentLimits(maxSteps: 3))

        #expect(!outcome.finished)
        #expect(outcome.steps == 3)
        #expect(outcome.summary.hasPrefix("Stopped: the round's step budget (3) ran out. Last steps: step 1: list_dir"))
        #expect(harness.chats.count == 3)
    }

    @Test("maxTokens reached (the server reports big usage): the round stops before the next call")
    func tokenBudget() async throws {
        let harness = try await WorkerHarness(.ollama)
        defer { harness.cleanUp() }
        harness.enqueue(
            ModelWire.ollama.action("read_file", ["path": "greeting.txt"], usage: Usage(prompt: 6000, completion: 300)),
            ModelWire.ollama.action("read_file", ["path": "test.sh"], usage: Usage(prompt: 7000, completion: 400)),
            ModelWire.ollama.action("finish", ["summary": "never reached"]))

        let outcome = try await harness.run(limits: AgentLimits(maxTokens: 12_000))

        #expect(!outcome.finished)
        #expect(outcome.steps == 2)
        #expect(outcome.tokensUsed == 13_700)
        #expect(outcome.summary.hasPrefix("Stopped: the round's token budget (12000) ran out."))
        #expect(harness.chats.count == 2)
        let reminder = harness.chats[1].messages.last?["content"] as? String
        #expect(reminder?.contains("tokens used 6300 of 12000") == true)
    }

    @Test("a task prompt that cannot fit the context is a permanent failure, and nothing is sent")
    func taskTooBig() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(ModelWire.openAI.action("finish", ["summary": "x"]).repeating)
        let task = String(repeating: "Describe every line of the project in detail. ", count: 400)

        let failure = try #require(
            try await harness.failure(limits: AgentLimits(contextLength: 2048, replyTokens: 256), task: task))

        #expect(failure.isPermanent)
        #expect(failure.reason.hasPrefix("the task prompt needs about "))
        #expect(failure.reason.contains("but the model's context allows 1728"))
        #expect(harness.chats.isEmpty)
    }

    @Test(
        "history that would overflow is compacted: the next request is system + task + summary, then append-only again")
    func compaction() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        try harness.workspace.write("a.txt", Self.longFile(lines: 70, name: "a"))
        try harness.workspace.write("b.txt", Self.longFile(lines: 70, name: "b"))
        let wire = ModelWire.openAI
        harness.enqueue(
            wire.action("read_file", ["path": "a.txt"]), wire.action("read_file", ["path": "b.txt"]),
            wire.action("list_dir", [:]), wire.action("finish", ["summary": "read both"]))

        let outcome = try await harness.run(limits: AgentLimits(contextLength: 4096, replyTokens: 256))

        #expect(outcome.finished && outcome.steps == 4)
        let chats = harness.chats
        try #require(chats.count == 4)
        #expect(chats[1].messages.count == 4, "one long result still fits")
        #expect(chats[1].body.starts(with: try #require(chats[0].bodyThroughMessages)))
        let compacted = chats[2].messages
        #expect(compacted.count == 2)
        #expect(compacted[0]["content"] as? String == chats[0].messages[0]["content"] as? String)
        let summary = try #require(compacted[1]["content"] as? String)
        #expect(
            summary.hasPrefix(
                WorkerHarness.task
                    + "\n\n[The conversation was compacted to fit the model's context window. 2 steps so far.]"))
        #expect(summary.contains("step 1: read_file {\"path\":\"a.txt\"} → ok: "))
        #expect(summary.contains("step 2: read_file {\"path\":\"b.txt\"} → ok: "))
        #expect(!summary.contains("a LAST LINE MARKER"), "the long outputs are gone")
        #expect(chats[2].body.count < chats[1].body.count)
        #expect(
            chats[3].body.starts(with: try #require(chats[2].bodyThroughMessages) + Data(",".utf8)),
            "append-only again after compaction")
        #expect(harness.output.text.contains("context compacted after 2 steps to fit 4096 tokens"))
    }

    @Test(
        "the result of the last tool call reaches the model even when the context is small"
    )
    func lastResultSurvivesCompaction() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        try harness.workspace.write("big.txt", Self.longFile(lines: 80, name: "big"))
        harness.enqueue(
            ModelWire.openAI.action("read_file", ["path": "big.txt"]),
            ModelWire.openAI.action("finish", ["summary": "read it"]))
        // What `loop agent` runs with against a llama.cpp server started with -c 4096: the
        // context clamped to 4096, default reply and tool-output sizes; a PM prompt of 3 KB.
        let task = WorkerHarness.task + "\n" + String(repeating: "Context from the task card. ", count: 110)

        _ = try await harness.run(limits: AgentLimits(contextLength: 4096, replyTokens: 1024), task: task)

        let chats = harness.chats
        try #require(chats.count == 2)
        let sent = chats[1].messages.compactMap { $0["content"] as? String }.joined()
        #expect(sent.contains("big LAST LINE MARKER"), "the model must see the output of the read it asked for")
    }
}
