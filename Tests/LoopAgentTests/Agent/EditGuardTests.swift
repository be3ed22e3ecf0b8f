import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

/// The edit guard: each edit is judged by the card's verify commands at once — a regression
/// is undone, a passing tree ends the turn.
@Suite("Worker: edits checked by verify", .serialized, .timeLimit(.minutes(2)))
struct EditGuardTests {
    /// value.txt holds 41; verify wants 42 and a non-empty file: 1 of 2 pass at the start.
    static let verify = ["grep -qx 42 value.txt", "test -s value.txt"]

    private func worker(_ harness: WorkerHarness, checks: Bool = true) async throws -> WorkerAgent {
        try harness.workspace.write("value.txt", "41\n")
        var worker = try await harness.worker(limits: AgentLimits(editChecks: checks))
        worker.brief.verify = Self.verify
        return worker
    }

    @Test("an edit that makes verify worse is undone and told; a neutral one is kept; a passing one ends the turn")
    func undoKeepSolve() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let wire = ModelWire.openAI
        harness.enqueue(
            wire.action("write_file", ["path": "value.txt", "content": ""]),
            wire.action("write_file", ["path": "value.txt", "content": "40\n"]),
            wire.action("edit_file", ["path": "value.txt", "search": "40", "replace": "42"]),
            wire.action("finish", ["summary": "never asked for"]))
        let worker = try await worker(harness)

        let outcome = try await worker.run(task: WorkerHarness.task)

        #expect(outcome.finished && outcome.steps == 3)
        #expect(outcome.summary.contains("every verify command passes"))
        #expect(outcome.filesChanged == ["value.txt"])
        #expect(try harness.workspace.read("value.txt") == "42\n")
        // Three model calls: the fourth action was never needed.
        #expect(harness.chats.count == 3)
        let results = harness.chats.dropFirst().compactMap { $0.messages.last?["content"] as? String }
        try #require(results.count == 2)
        #expect(results[0].contains("RESULT of write_file (error)"))
        #expect(results[0].contains("EDIT UNDONE") && results[0].contains("before: 1 of 2 commands pass; after: 0 of 2"))
        #expect(results[1].contains("CHECKS after this edit (1 of 2 commands pass)"))
        #expect(results[1].contains("FAIL grep -qx 42 value.txt"))
        #expect(harness.output.text.contains("edit undone"))
    }

    @Test("undoing restores the content and the mode, and removes a file the edit created")
    func undoRestoresModeAndRemovesNewFiles() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let wire = ModelWire.openAI
        try harness.workspace.write("check.sh", "test -s value.txt\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: harness.workspace.root + "/check.sh")
        harness.enqueue(
            wire.action("write_file", ["path": "check.sh", "content": "exit 1\n"]),
            wire.action("write_file", ["path": "value.txt", "content": "42\n"]))
        try harness.workspace.write("value.txt", "41\n")
        var worker = try await harness.worker(limits: AgentLimits(editChecks: true))
        worker.brief.verify = ["./check.sh", "grep -qx 42 value.txt"]

        let outcome = try await worker.run(task: WorkerHarness.task)

        #expect(outcome.finished && outcome.steps == 2)
        #expect(try harness.workspace.read("check.sh") == "test -s value.txt\n")
        let mode = try FileManager.default.attributesOfItem(atPath: harness.workspace.root + "/check.sh")[.posixPermissions] as? Int
        #expect(mode == 0o755)
        #expect(outcome.filesChanged == ["value.txt"])
    }

    @Test("a new file that breaks verify is removed again")
    func newFileRemoved() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let wire = ModelWire.openAI
        harness.enqueue(
            wire.action("write_file", ["path": "broken.txt", "content": "x\n"]),
            wire.action("finish", ["summary": "gave up"]))
        var worker = try await harness.worker(limits: AgentLimits(editChecks: true))
        try harness.workspace.write("value.txt", "42\n")
        worker.brief.verify = ["test ! -e broken.txt", "grep -qx 41 value.txt"]

        let outcome = try await worker.run(task: WorkerHarness.task)

        #expect(outcome.finished && outcome.steps == 2 && outcome.filesChanged.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: harness.workspace.root + "/broken.txt"))
    }

    @Test("when nothing passes before or after, an edit that breaks the code (a syntax error) is still undone")
    func brokenCodeIsWorse() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let wire = ModelWire.openAI
        try harness.workspace.write("value.sh", "echo 41\n")
        harness.enqueue(
            wire.action("write_file", ["path": "value.sh", "content": "The new text is not found\n"]),
            wire.action("finish", ["summary": "gave up"]))
        var worker = try await harness.worker(limits: AgentLimits(editChecks: true))
        worker.brief.verify = ["bash value.sh | grep -qx 42"]

        let outcome = try await worker.run(task: WorkerHarness.task)

        #expect(outcome.finished && outcome.filesChanged.isEmpty)
        #expect(try harness.workspace.read("value.sh") == "echo 41\n")
        let result = harness.chats.last?.messages.last?["content"] as? String
        #expect(result?.contains("EDIT UNDONE") == true)
        #expect(result?.contains("1 with code that does not load") == true)
    }

    @Test("when verify already passed before any edit, a passing edit does not end the turn")
    func passingBaselineKeepsGoing() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let wire = ModelWire.openAI
        harness.enqueue(
            wire.action("write_file", ["path": "notes.md", "content": "# Notes\n"]),
            wire.action("finish", ["summary": "wrote the notes"]))
        var worker = try await harness.worker(limits: AgentLimits(editChecks: true))
        try harness.workspace.write("value.txt", "42\n")
        worker.brief.verify = ["grep -qx 42 value.txt"]

        let outcome = try await worker.run(task: WorkerHarness.task)

        #expect(outcome.finished && outcome.steps == 2 && outcome.summary == "wrote the notes")
        let result = harness.chats.last?.messages.last?["content"] as? String
        #expect(result?.contains("CHECKS after this edit (1 of 1 commands pass)") == true)
    }

    @Test("with the guard off nothing runs after an edit")
    func off() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let wire = ModelWire.openAI
        harness.enqueue(
            wire.action("write_file", ["path": "value.txt", "content": ""]),
            wire.action("finish", ["summary": "emptied"]))
        let worker = try await worker(harness, checks: false)

        let outcome = try await worker.run(task: WorkerHarness.task)

        #expect(outcome.finished && outcome.steps == 2)
        #expect(try harness.workspace.read("value.txt") == "")
        let result = harness.chats.last?.messages.last?["content"] as? String
        #expect(result?.contains("CHECKS") == false && result?.contains("UNDONE") == false)
    }
}

@Suite("Worker: edits that cannot be meant")
struct EditAdvisorTests {
    static func call(_ tool: String, _ arguments: [String: String]) -> ToolCall {
        ToolCall(id: "1", name: tool, arguments: .object(arguments.mapValues { .string($0) }))
    }

    @Test("the tool example's filler and its variants are placeholders; code is not")
    func placeholders() {
        for text in ["the old lines", "the exact old lines", "The new lines.", "the whole new content of the file", "the code"] {
            #expect(EditAdvisor.isPlaceholder(text), "\(text)")
        }
        for text in ["SECONDS_PER_HOUR = 3600", "the_lines = 1", "", "lines", "the answer is 42"] {
            #expect(!EditAdvisor.isPlaceholder(text), "\(text)")
        }
    }

    @Test("an edit to an out_of_scope path or with placeholder text gets advice; an in-scope edit does not")
    func advice() {
        var brief = WorkerHarness.brief
        brief.inScope = ["timeutil.py"]
        brief.outOfScope = ["test_timeutil.py", "tests/", "Refactoring the API"]
        let outOfScope = EditAdvisor.advice(for: Self.call("write_file", ["path": "./test_timeutil.py", "content": "x = 1\n"]), brief: brief)
        #expect(outOfScope?.hasPrefix("Not done: test_timeutil.py is out of scope for this task") == true)
        #expect(outOfScope?.contains("Change timeutil.py instead.") == true)
        let underFolder = EditAdvisor.advice(for: Self.call("edit_file", ["path": "tests/a.py", "search": "a", "replace": "b"]), brief: brief)
        #expect(underFolder?.contains("(it is under `tests/`)") == true)
        let filler = EditAdvisor.advice(for: Self.call("edit_file", ["path": "timeutil.py", "search": "360", "replace": "the new lines"]), brief: brief)
        #expect(filler?.contains("is the example's placeholder, not code") == true)
        #expect(EditAdvisor.advice(for: Self.call("edit_file", ["path": "timeutil.py", "search": "360", "replace": "3600"]), brief: brief) == nil)
        #expect(EditAdvisor.advice(for: Self.call("read_file", ["path": "test_timeutil.py"]), brief: brief) == nil)
    }

    @Test("the worker never writes an out_of_scope file: the model is told, the file is unchanged")
    func refusedInTheLoop() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        try harness.workspace.write("test.sh", "exit 0\n")
        let wire = ModelWire.openAI
        harness.enqueue(
            wire.action("write_file", ["path": "test.sh", "content": "echo rigged\n"]),
            wire.action("finish", ["summary": "tried"]))
        var worker = try await harness.worker()
        worker.brief.outOfScope = ["test.sh"]

        let outcome = try await worker.run(task: WorkerHarness.task)

        #expect(outcome.finished && outcome.filesChanged.isEmpty)
        #expect(try harness.workspace.read("test.sh") == "exit 0\n")
        let result = harness.chats.last?.messages.last?["content"] as? String
        #expect(result?.contains("Not done: test.sh is out of scope") == true)
    }
}
