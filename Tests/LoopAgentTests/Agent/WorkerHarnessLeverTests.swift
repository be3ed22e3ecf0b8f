import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

/// What the harness does to carry a tiny model: hints instead of running commands that cannot
/// be meant, runaway replies cut mid-stream, the in-scope files in the first prompt.
@Suite("Worker: levers for small models", .serialized, .timeLimit(.minutes(2)))
struct WorkerHarnessLeverTests {
    @Test("a script named without bash, the task id and git get a hint and are never run")
    func commandHints() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        try harness.workspace.write("greet.sh", "echo hi > ran.txt\n")
        let wire = ModelWire.openAI
        harness.enqueue(
            wire.action("run", ["command": "greet.sh"]),
            wire.action("run", ["command": harness.workspace.context().taskID]),
            wire.action("run", ["command": "git reset --hard, git clean, git commit -am "]),
            wire.action("run", ["command": "bash greet.sh"]),
            wire.action("finish", ["summary": "ran it"]))

        let outcome = try await harness.run()

        #expect(outcome.finished)
        let results = harness.chats.dropFirst().compactMap { $0.messages.last?["content"] as? String }
        try #require(results.count == 4)
        #expect(results[0].contains("Not run: `greet.sh` is a file in the project") && results[0].contains("`bash greet.sh`"))
        #expect(results[1].contains("is the task's id, not a command"))
        #expect(results[2].contains("do not use git"))
        #expect(results[3].hasPrefix("RESULT of run:\nexit code 0"))
        // Only the real command ran: the hints never reached a shell.
        #expect(outcome.commandsRun.map(\.command) == ["greet.sh", harness.workspace.context().taskID,
            "git reset --hard, git clean, git commit -am ", "bash greet.sh"])
        #expect(outcome.commandsRun.map(\.passed) == [false, false, false, true])
    }

    @Test("a reply that repeats a fragment is cut mid-stream, not read to the cap, and the model is told")
    func runawayCut() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        // 100 chunks of `git:` and then a gate nobody opens: without the cut the client would
        // wait on the stream until its idle timeout and the run would fail.
        let gate = ScriptedHTTPServer.Gate()
        let runaway = [OpenAI.role(), OpenAI.content(#"{"tool": "run", "args": {"command": ""#)]
            + Array(repeating: OpenAI.content("git:"), count: 100)
        var response = ScriptedHTTPServer.Response.sse(runaway, path: ModelWire.openAI.chatPath, done: false)
        response.steps.append(.wait(gate))
        harness.enqueue(response, ModelWire.openAI.action("finish", ["summary": "done"]))

        let start = ContinuousClock.now
        let outcome = try await harness.run()

        #expect(outcome.finished && outcome.steps == 2)
        // The gate holds the stream for 5 s: a run that read to the end would take that long.
        #expect(ContinuousClock.now - start < .seconds(4))
        let correction = harness.chats.last?.messages.last?["content"] as? String
        #expect(correction?.hasPrefix("Your last reply repeated itself and was cut.") == true)
        #expect(harness.output.text.contains("reply cut: the fragment"))
    }

    @Test("three runaway replies end the turn as malformed, with a report-worthy reason")
    func runawaysEndTheTurn() async throws {
        let harness = try await WorkerHarness(.ollama)
        defer { harness.cleanUp() }
        let chunks = [Ollama.chunk(#"{"tool": "run", "args": {"command": ""#)]
            + (1...60).map { Ollama.chunk(".git.git-branch-\($0)") } + [Ollama.done(prompt: 40, completion: 500)]
        harness.enqueue(ScriptedHTTPServer.Response.ndjson(chunks, path: ModelWire.ollama.chatPath).repeating)

        let outcome = try await harness.run()

        #expect(!outcome.finished && outcome.stopReason == .malformedReplies && outcome.steps == 3)
        #expect(outcome.stuckOn.contains("ran away"))
    }

    @Test("small in-scope files are in the first prompt with line numbers; folders, large files and escapes are not")
    func inScopeFilesInPrompt() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        try harness.workspace.write("small.py", "def add(a, b):\n    return a - b\n")
        try harness.workspace.write("big.txt", String(repeating: "x", count: 10_000))
        harness.enqueue(ModelWire.openAI.action("finish", ["summary": "looked"]))
        var worker = try await harness.worker()
        worker.brief.inScope = ["small.py", "big.txt", "src/", "../outside", "missing.py"]

        _ = try await worker.run(task: WorkerHarness.task)

        let first = try #require(harness.chats.first?.messages[1]["content"] as? String)
        #expect(first.contains("=== FILES IN SCOPE (current content) ==="))
        #expect(first.contains("--- small.py (line numbers added; they are not part of the file) ---\n1\tdef add(a, b):\n2\t    return a - b"))
        #expect(!first.contains("big.txt") && !first.contains("outside") && !first.contains("missing.py"))
    }
}

@Suite("Guided actions (JSON mode)", .serialized, .timeLimit(.minutes(2)))
struct GuidedActionTests {
    static func toolNames(_ request: ScriptedHTTPServer.Request) -> [String] {
        let format = request.object["response_format"] as? [String: Any]
        let schema = (format?["json_schema"] as? [String: Any])?["schema"] as? [String: Any]
        let variants = schema?["anyOf"] as? [[String: Any]] ?? []
        return variants.compactMap { variant in
            (((variant["properties"] as? [String: Any])?["tool"] as? [String: Any])?["enum"] as? [String])?.first
        }
    }

    @Test("look, then change, then test and finish: the schema offers only the tools that fit, and says what is next")
    func menuFollowsProgress() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let wire = ModelWire.openAI
        harness.enqueue(
            wire.action("run", ["command": "bash test.sh"]),
            wire.action("read_file", ["path": "greeting.txt"]),
            wire.action("finish", ["summary": "nothing"]),
            wire.action("write_file", ["path": "greeting.txt", "content": "hello loop\n"]),
            wire.action("run", ["command": "cat greeting.txt"]),
            wire.action("finish", ["summary": "greeting changed"]))

        let outcome = try await harness.run(limits: AgentLimits(guidedActions: true))

        #expect(outcome.finished && outcome.summary == "greeting changed" && outcome.steps == 6)
        let menus = harness.chats.map(Self.toolNames)
        #expect(menus[0] == ["read_file", "edit_file", "write_file", "list_dir", "search"])
        #expect(menus[1] == menus[0], "a refused tool changes nothing")
        #expect(menus[2] == ["read_file", "edit_file", "write_file"], "after reading: change it")
        #expect(menus[4] == ["read_file", "edit_file", "write_file", "run", "finish"], "after a change: test and finish")
        let correction = harness.chats[1].messages.last?["content"] as? String
        #expect(correction?.contains(#"unknown tool "run"; use one of read_file, edit_file, write_file, list_dir, search"#) == true)
        let afterRead = harness.chats[2].messages.last?["content"] as? String
        #expect(afterRead?.hasSuffix("NEXT: change the code now with edit_file or write_file.") == true)
    }

    @Test("small in-scope files shown in the prompt: the first step is already a change")
    func contentShownMeansChange() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(ModelWire.openAI.action("write_file", ["path": "greeting.txt", "content": "hello loop\n"]),
                        ModelWire.openAI.action("finish", ["summary": "done"]))
        var worker = try await harness.worker(limits: AgentLimits(guidedActions: true))
        worker.brief.inScope = ["greeting.txt"]

        _ = try await worker.run(task: WorkerHarness.task)

        #expect(harness.chats.map(Self.toolNames).first == ["read_file", "edit_file", "write_file"])
    }
}

@Suite("The action schema on the wire")
struct WireOrderTests {
    @Test("the schema lists tool before args, path before content, search before replace; history keeps that order")
    func keyOrder() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(
            ModelWire.openAI.action("write_file", ["path": "a.txt", "content": "x"]),
            ModelWire.openAI.action("finish", ["summary": "done"]))

        _ = try await harness.run()

        let bodies = harness.chats.map { String(decoding: $0.body, as: UTF8.self) }
        try #require(bodies.count == 2)
        let first = bodies[0]
        let tool = try #require(first.range(of: #""properties":{"tool":"#))
        let args = try #require(first.range(of: #""args":"#, range: tool.upperBound..<first.endIndex))
        #expect(tool.lowerBound < args.lowerBound)
        #expect(first.contains(#""properties":{"path":{"description":"File path relative to the project root.","type":"string"},"search":"#))
        #expect(first.contains(#""properties":{"path":{"description":"File path relative to the project root.","type":"string"},"content":"#))
        #expect(bodies[1].contains(#"{\"tool\": \"write_file\", \"args\": {\"path\":\"a.txt\",\"content\":\"x\"}}"#))
    }
}

@Suite("RunawayDetector and RunCommandAdvisor")
struct RunawayAndAdvisorTests {
    @Test("repeated fragments and whitespace runs are caught; ordinary code is not")
    func detector() {
        #expect(RunawayDetector.runaway(Array(String(repeating: "git:", count: 60).utf8)) != nil)
        let branches = (1...40).map { ".git.git-branch-\($0)" }.joined()
        #expect(RunawayDetector.runaway(Array(("{\"command\": \"T-1" + branches).utf8)) != nil)
        #expect(RunawayDetector.runaway(Array(("{\"content\": \"" + String(repeating: "\\n", count: 150)).utf8)) != nil)
        let code = """
            {"tool": "write_file", "args": {"path": "calc.py", "content": "def add(a, b):\\n    return a + b\\n\\n\\ndef sub(a, b):\\n    return a - b\\n\\n\\ndef mul(a, b):\\n    return a * b\\n\\n\\ndef div(a, b):\\n    if b == 0:\\n        raise ZeroDivisionError('b')\\n    return a / b\\n\\n\\nif __name__ == '__main__':\\n    print(add(1, 2), sub(3, 1), mul(2, 2), div(8, 2))\\n"}}
            """
        #expect(RunawayDetector.runaway(Array(code.utf8)) == nil)
        let detector = RunawayDetector()
        var tripped: String?
        for _ in 0..<200 where tripped == nil { tripped = detector.feed("ab:") }
        #expect(tripped != nil && detector.reason == tripped)
        #expect(detector.feed("ab:") == nil, "the reason is given once")
    }

    @Test("commands that cannot be meant get advice; real ones do not")
    func advisor() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "advisor-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = FileManager.default.createFile(atPath: folder + "/greet.sh", contents: Data("echo hi\n".utf8))
        _ = FileManager.default.createFile(atPath: folder + "/calc.py", contents: Data("print(1)\n".utf8))
        func advice(_ command: String) -> String? {
            RunCommandAdvisor.advice(for: command, workdir: folder, taskID: "add-shout", path: "/usr/bin:/bin")
        }
        for ok in ["bash test.sh", "python3 -m pytest -q", "./greet.sh", "cd src && ls", "X=1 env", "ls -la", "echo hi"] {
            #expect(advice(ok) == nil, "\(ok)")
        }
        #expect(advice("greet.sh --shout Ada")?.contains("Run it as `bash greet.sh --shout Ada`") == true)
        #expect(advice("calc.py")?.contains("`python3 calc.py`") == true)
        #expect(advice("add-shout")?.contains("task's id") == true)
        #expect(advice("git status")?.contains("do not use git") == true)
        #expect(advice("ls && git commit -am x")?.contains("do not use git") == true)
        #expect(advice("Implement the shout flag.")?.contains("not a command here") == true)
    }
}
