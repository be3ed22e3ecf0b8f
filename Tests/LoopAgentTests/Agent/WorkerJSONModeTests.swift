import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

/// The worker's JSON-action loop against the real clients and a scripted server: real tools
/// on a real git repository, shell commands in bubblewrap.
@Suite("Worker: JSON actions", .serialized, .timeLimit(.minutes(2)), .enabled(if: BubblewrapRequirement.shouldRun))
struct WorkerJSONModeTests {
    static let summary = "Changed the greeting to hello loop; bash test.sh passes."

    /// read_file → edit_file → run → finish, with per-step token counts 41/11, 42/12, ...
    private func scriptFullRound(_ harness: WorkerHarness) {
        let wire = harness.wire
        harness.enqueue(
            wire.action("read_file", ["path": "greeting.txt"], usage: Usage(prompt: 41, completion: 11)),
            wire.action(
                "edit_file", ["path": "greeting.txt", "search": "hello world", "replace": "hello loop"],
                usage: Usage(prompt: 42, completion: 12)),
            wire.action("run", ["command": "bash test.sh"], usage: Usage(prompt: 43, completion: 13)),
            wire.action("finish", ["summary": Self.summary], usage: Usage(prompt: 44, completion: 14)))
    }

    @Test(
        "read → edit → run → finish changes the real file and reports files, commands, steps and tokens",
        arguments: ModelWire.allCases)
    func fullRound(wire: ModelWire) async throws {
        let harness = try await WorkerHarness(wire)
        defer { harness.cleanUp() }
        scriptFullRound(harness)

        let outcome = try await harness.run()

        #expect(try harness.workspace.read("greeting.txt") == "hello loop\n")
        #expect(outcome.finished)
        #expect(outcome.summary == Self.summary)
        #expect(outcome.filesChanged == ["greeting.txt"])
        #expect(outcome.commandsRun.map(\.command) == ["bash test.sh"])
        #expect(
            outcome.commandsRun.map(\.passed) == [true], "test.sh passes only if the edit reached the sandbox's disk")
        #expect(outcome.steps == 4)
        #expect(outcome.tokensUsed == (41 + 11) + (42 + 12) + (43 + 13) + (44 + 14))
        #expect(harness.chats.count == 4)
    }

    @Test(
        "every request is schema-constrained: response_format json_schema (OpenAI), format + num_ctx (Ollama)",
        arguments: ModelWire.allCases)
    func requestsAreConstrained(wire: ModelWire) async throws {
        let harness = try await WorkerHarness(wire)
        defer { harness.cleanUp() }
        scriptFullRound(harness)
        _ = try await harness.run(limits: AgentLimits(contextLength: 6144, replyTokens: 700, actionReplyTokens: 800))

        let chats = harness.chats
        try #require(chats.count == 4)
        for request in chats {
            let body = request.object
            #expect(body["tools"] == nil, "JSON mode sends no native tools")
            let schema: [String: Any]?
            switch wire {
            case .openAI:
                let format = body["response_format"] as? [String: Any]
                #expect(format?["type"] as? String == "json_schema")
                let named = format?["json_schema"] as? [String: Any]
                #expect(named?["strict"] as? Bool == true)
                schema = named?["schema"] as? [String: Any]
                #expect(body["max_tokens"] as? Int == 700)
            case .ollama:
                schema = body["format"] as? [String: Any]
                let options = body["options"] as? [String: Any]
                #expect(options?["num_ctx"] as? Int == 6144)
                #expect(options?["num_predict"] as? Int == 700)
            }
            let variants = try #require(schema?["anyOf"] as? [[String: Any]])
            let names = variants.compactMap {
                (($0["properties"] as? [String: Any])?["tool"] as? [String: Any])?["enum"] as? [String]
            }
            #expect(names.flatMap { $0 }.sorted() == ToolBox.names.sorted())
        }
    }

    @Test(
        "history is append-only (byte-identical prefixes) and every step ends with the reminder",
        arguments: ModelWire.allCases)
    func appendOnlyHistoryWithReminder(wire: ModelWire) async throws {
        let harness = try await WorkerHarness(wire)
        defer { harness.cleanUp() }
        scriptFullRound(harness)
        let limits = AgentLimits(maxSteps: 9, maxTokens: 5000)
        _ = try await harness.run(limits: limits)

        let chats = harness.chats
        try #require(chats.count == 4)
        let first = chats[0].messages
        #expect(first.map { $0["role"] as? String } == ["system", "user"])
        #expect(first.last?["content"] as? String == WorkerHarness.task)

        for index in 1..<chats.count {
            let previous = try #require(chats[index - 1].bodyThroughMessages)
            #expect(
                chats[index].body.starts(with: previous + Data(",".utf8)),
                "request \(index + 1) must repeat request \(index)'s bytes through its messages")
            #expect(chats[index].messages.count == chats[index - 1].messages.count + 2)
        }

        let resultTexts = ["hello world", "edited greeting.txt", "greeting ok"]
        let tools = ["read_file", "edit_file", "run"]
        var tokens = 0
        for step in 1...3 {
            tokens += (40 + step) + (10 + step)
            let messages = chats[step].messages
            let last = try #require(messages.last)
            let content = try #require(last["content"] as? String)
            #expect(last["role"] as? String == "user")
            #expect(content.hasPrefix("RESULT of \(tools[step - 1]):\n"))
            #expect(content.contains(resultTexts[step - 1]))
            let reminder =
                "[status] step \(step) of 9 done · tokens used \(tokens) of 5000\n"
                + "GOAL: The greeting says hello loop.\n"
                + "ACCEPTANCE: - greeting.txt contains 'hello loop' - bash test.sh exits 0\n"
                + "FIX LIST: 1. greeting.txt: still says world → say loop\n"
                + "Reply with exactly one action. Call finish when the goal is met."
            #expect(
                content.hasSuffix("\n\n" + reminder),
                "step \(step + 1) must end with the reminder; got: \(content.suffix(400))")
            let assistant = messages[messages.count - 2]
            #expect(assistant["role"] as? String == "assistant")
            #expect(
                (assistant["content"] as? String)?.hasPrefix("{\"tool\": \"\(tools[step - 1])\", \"args\": {") == true)
        }
    }

    @Test("the usage of every step goes to the bus's usage.jsonl with the dispatch's identity")
    func recordsUsage() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(
            ModelWire.openAI.action(
                "read_file", ["path": "greeting.txt"], usage: Usage(prompt: 30, completion: 5, cached: 24)),
            ModelWire.openAI.action(
                "finish", ["summary": "nothing to do"], usage: Usage(prompt: 61, completion: 7, cached: 30)))
        _ = try await harness.run()

        let text = try String(contentsOfFile: harness.workspace.bus + "/usage.jsonl", encoding: .utf8)
        let lines = text.split(separator: "\n").compactMap {
            try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8))
        }
        try #require(lines.count == 2)
        #expect(lines.map { $0["step"]?.intValue } == [1, 2])
        #expect(lines.map { $0["prompt_tokens"]?.intValue } == [30, 61])
        #expect(lines.map { $0["cached_prompt_tokens"]?.intValue } == [24, 30])
        #expect(lines.map { $0["completion_tokens"]?.intValue } == [5, 7])
        #expect(lines.allSatisfy { $0["task_id"]?.stringValue == "T-7" && $0["run_id"]?.stringValue == "run42" })
        #expect(
            lines.allSatisfy {
                $0["dispatch_id"]?.stringValue == "run42.r2.worker1" && $0["role"]?.stringValue == "worker"
            })
    }
}
