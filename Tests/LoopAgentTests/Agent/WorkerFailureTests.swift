import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

/// Replies that are not actions, and actions that keep failing, end the worker's turn with a
/// stop reason (the round goes on to verify and the fix list) instead of looping, failing the
/// dispatch, or passing for success.
@Suite("Worker: malformed replies and repeated failures", .serialized, .timeLimit(.minutes(2)), .enabled(if: BubblewrapRequirement.shouldRun))
struct WorkerFailureTests {
    static let chatter = "Sure! I will read the file."

    @Test(
        "free text three times in a row (200 OK, schema ignored) ends the round naming it",
        arguments: ModelWire.allCases)
    func threeMalformedReplies(wire: ModelWire) async throws {
        let harness = try await WorkerHarness(wire)
        defer { harness.cleanUp() }
        harness.enqueue(wire.text(Self.chatter).repeating)

        let outcome = try await harness.run()

        #expect(!outcome.finished && outcome.stopReason == .malformedReplies)
        #expect(outcome.stuckOn == "3 replies in a row were not valid actions; the last: the reply is not a JSON object")
        #expect(outcome.summary.hasPrefix("Stopped: 3 replies in a row were not valid actions"))
        #expect(harness.chats.count == 3)
        #expect(harness.output.text.contains("malformed action 3/3"))
    }

    @Test("one malformed reply, then a valid action: the correction is sent and the loop goes on")
    func malformedThenValid() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(
            ModelWire.openAI.text(Self.chatter),
            ModelWire.openAI.action("read_file", ["path": "greeting.txt"]),
            ModelWire.openAI.text("Now I am done."),
            ModelWire.openAI.text(Self.chatter),
            ModelWire.openAI.action("finish", ["summary": "read it"]))

        let outcome = try await harness.run()

        #expect(outcome.finished && outcome.summary == "read it" && outcome.steps == 5)
        let chats = harness.chats
        try #require(chats.count == 5)
        let second = chats[1].messages
        #expect(second.count == 4)
        #expect(second[2]["role"] as? String == "assistant" && second[2]["content"] as? String == Self.chatter)
        #expect(second[3]["role"] as? String == "user")
        #expect(
            second[3]["content"] as? String
                == #"That reply was not a valid action: the reply is not a JSON object. Reply with exactly one JSON object, for example {"tool": "read_file", "args": {"path": "README.md"}}"#
        )
        #expect((chats[2].messages.last?["content"] as? String)?.hasPrefix("RESULT of read_file:") == true)
        #expect(
            chats[4].messages.count == 10, "two malformed replies after a valid one do not end the round (count resets)"
        )
    }

    @Test("a JSON action for an unknown tool or without required arguments is malformed, with the reason")
    func invalidActions() async throws {
        let harness = try await WorkerHarness(.ollama)
        defer { harness.cleanUp() }
        harness.enqueue(
            ModelWire.ollama.action("read_file", [:]),
            ModelWire.ollama.action("rm", ["path": "greeting.txt"]),
            ModelWire.ollama.action("edit_file", ["path": "greeting.txt", "search": 3, "replace": "x"]))

        let outcome = try await harness.run()

        #expect(outcome.stopReason == .malformedReplies)
        #expect(outcome.stuckOn == #"3 replies in a row were not valid actions; the last: edit_file: "search" must be a string"#)
        let corrections = harness.chats.dropFirst().compactMap { $0.messages.last?["content"] as? String }
        #expect(corrections.count == 2)
        #expect(corrections.first?.contains(#"read_file needs the argument "path""#) == true)
        #expect(corrections.last?.contains(#"unknown tool "rm""#) == true)
        #expect(try harness.workspace.read("greeting.txt") == AgentWorkspace.greeting)
    }

    @Test("the same failing edit three times ends the turn naming it (not a failed dispatch)")
    func repeatedFailingEdit() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let edit = ["path": "greeting.txt", "search": "goodbye world", "replace": "hello loop"]
        harness.enqueue(ModelWire.openAI.action("edit_file", edit).repeating)

        let outcome = try await harness.run()

        #expect(!outcome.finished && outcome.stopReason == .repeatedFailure && outcome.steps == 3)
        #expect(outcome.stuckOn.hasPrefix("`edit_file {"))
        #expect(outcome.stuckOn.contains("failed 3 times"))
        #expect(outcome.stuckOn.contains("search text not found in greeting.txt"))
        #expect(outcome.stuckOn.hasSuffix("do not repeat it"))
        #expect(harness.chats.count == 3)
        #expect(try harness.workspace.read("greeting.txt") == AgentWorkspace.greeting)
        let results = harness.chats.dropFirst().compactMap { $0.messages.last?["content"] as? String }
        #expect(results.allSatisfy { $0.hasPrefix("RESULT of edit_file (error):") })
    }

    @Test("different failing actions do not add up to a repeated failure")
    func differentFailuresAreNotRepeats() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        for word in ["one", "two", "three", "four"] {
            harness.enqueue(
                ModelWire.openAI.action("edit_file", ["path": "greeting.txt", "search": word, "replace": "x"]))
        }
        harness.enqueue(ModelWire.openAI.action("finish", ["summary": "gave up"]))

        let outcome = try await harness.run()

        #expect(outcome.finished && outcome.steps == 5 && outcome.filesChanged.isEmpty)
    }

    @Test(
        "a failing test command re-run after successful fixes is progress, not a stuck loop"
    )
    func failingTestsBetweenFixesAreNotRepeats() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        try harness.workspace.write(
            "test.sh", "grep -q 'a' greeting.txt && grep -q 'b' greeting.txt && grep -q 'c' greeting.txt\n")
        let wire = ModelWire.openAI
        harness.enqueue(
            wire.action("run", ["command": "bash test.sh"]),
            wire.action("edit_file", ["path": "greeting.txt", "search": "hello", "replace": "a hello"]),
            wire.action("run", ["command": "bash test.sh"]),
            wire.action("edit_file", ["path": "greeting.txt", "search": "world", "replace": "b world"]),
            wire.action("run", ["command": "bash test.sh"]),
            wire.action("edit_file", ["path": "greeting.txt", "search": "world", "replace": "world c"]),
            wire.action("run", ["command": "bash test.sh"]),
            wire.action("finish", ["summary": "three fixes, tests pass"]))

        let outcome = try await harness.run()

        #expect(outcome.finished)
        #expect(outcome.commandsRun.map(\.passed) == [false, false, false, true])
    }
}
