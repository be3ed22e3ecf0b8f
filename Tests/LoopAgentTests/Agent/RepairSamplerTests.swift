import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

/// Repair sampling: before the agent loop, sampled one-line fixes of the lines the failure
/// points at are tried against the card's verify, and kept only when verify gets better.
/// A real worker, real tools and sandbox, real python; the model is a scripted server.
@Suite("Worker: repair sampling", .serialized, .timeLimit(.minutes(2)))
struct RepairSamplerTests {
    /// calc.py's RATE is 2; the test (out of scope) wants 3.
    static let test = "from calc import RATE\nassert RATE == 3, RATE\nprint('ok')\n"

    private func worker(
        _ harness: WorkerHarness, samples: Int, maxTokens: Int = 200_000, inScope: [String] = ["calc.py"],
        calc: String = "RATE = 2\n", test: String = Self.test, goal: String = "RATE in calc.py must be 3.", insertSamples: Int = 0
    ) async throws -> WorkerAgent {
        try harness.workspace.write("calc.py", calc)
        try harness.workspace.write("test_calc.py", test)
        var worker = try await harness.worker(
            limits: AgentLimits(
                maxTokens: maxTokens, editChecks: true, repairSampling: true, repairSamples: samples, repairInsertSamples: insertSamples))
        worker.brief = TaskBrief(goal: goal, acceptanceCriteria: ["python3 test_calc.py prints ok"], fixes: [], inScope: inScope)
        worker.brief.verify = ["python3 test_calc.py"]
        worker.brief.outOfScope = ["test_calc.py"]
        return worker
    }

    /// The `Line:` the last user message of a request asked about.
    private static func askedLine(_ request: ScriptedHTTPServer.Request) -> String? {
        guard let text = request.messages.last?["content"] as? String else { return nil }
        return text.components(separatedBy: "\n").first { $0.hasPrefix("Line: ") }.map { String($0.dropFirst(6)) }
    }

    @Test("the third sample is right: it is kept and the turn ends finished without the agent loop")
    func thirdSampleSolves() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let wire = ModelWire.openAI
        harness.enqueue(wire.text("I cannot see the file."), wire.text("RATE = 5"), wire.text("```\nRATE = 3\n```"))
        let worker = try await worker(harness, samples: 3)

        let outcome = try await worker.run(task: "Make python3 test_calc.py pass.")

        #expect(outcome.finished && outcome.steps == 0)
        #expect(outcome.filesChanged == ["calc.py"])
        #expect(try harness.workspace.read("calc.py") == "RATE = 3\n")
        #expect(outcome.summary.contains("every verify command passes"))
        #expect(outcome.repairSummary.contains("1 line(s) tried (calc.py:1), 3 samples, 2 distinct candidates checked"))
        #expect(outcome.tokensUsed == 3 * 52)
        // Three samples, all of the same line, unconstrained, hot, short; no agent step.
        #expect(harness.chats.count == 3)
        for chat in harness.chats {
            #expect(Self.askedLine(chat) == "RATE = 2")
            #expect(chat.object["response_format"] == nil && chat.object["max_tokens"] as? Int == RepairSampler.replyTokens)
            #expect(chat.object["temperature"] as? Double == RepairSampler.temperature)
        }
        #expect(Set(harness.chats.compactMap { $0.object["seed"] as? Int }).count == 3)
        // Every sample goes through the ledger.
        let usage = try String(contentsOfFile: harness.workspace.bus + "/" + BusPaths.usage, encoding: .utf8)
        #expect(usage.split(separator: "\n").count == 3)
    }

    @Test("every sample wrong: the tree is unchanged and the agent loop goes on, told what was tried")
    func allWrongLoopContinues() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let wire = ModelWire.openAI
        harness.enqueue(
            wire.text("RATE = 5"), wire.text("RATE = 7\nRATE = 5"), wire.text("Sure! Here is the answer."),
            wire.action("finish", ["summary": "gave up"]))
        let worker = try await worker(harness, samples: 3)

        let outcome = try await worker.run(task: "Make python3 test_calc.py pass.")

        #expect(outcome.finished && outcome.steps == 1 && outcome.summary == "gave up")
        #expect(outcome.filesChanged.isEmpty)
        #expect(try harness.workspace.read("calc.py") == "RATE = 2\n")
        #expect(outcome.repairSummary.contains("3 samples, 2 distinct candidates checked; none kept"))
        #expect(harness.chats.count == 4)
        let firstPrompt = harness.chats.last?.messages.first { $0["role"] as? String == "user" }?["content"] as? String
        #expect(firstPrompt?.contains("Repair sampling: 1 line(s) tried") == true)
        let report = await ReportWriter.workReport(outcome, context: harness.workspace.context(), model: "m")
        #expect(report.notes.contains("Repair sampling:"))
    }

    @Test("an out_of_scope file is never tried or touched, even when the traceback names it")
    func outOfScopeUntouched() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let wire = ModelWire.openAI
        harness.enqueue(
            wire.text("assert RATE == 2, RATE"), wire.text("assert RATE == 2, RATE"),
            wire.action("finish", ["summary": "gave up"]))
        let worker = try await worker(harness, samples: 2, inScope: ["calc.py", "test_calc.py"])

        let outcome = try await worker.run(task: "Make python3 test_calc.py pass.")

        #expect(try harness.workspace.read("test_calc.py") == Self.test)
        #expect(try harness.workspace.read("calc.py") == "RATE = 2\n")
        #expect(outcome.filesChanged.isEmpty)
        #expect(harness.chats.prefix(2).allSatisfy { Self.askedLine($0) == "RATE = 2" })
        #expect(outcome.repairSummary.contains("(calc.py:1)"))
    }

    @Test("the token budget stops the sampling: no more samples, later lines untried")
    func budgetRespected() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let wire = ModelWire.openAI
        // Four wrong samples of 52 tokens each reach the 200-token budget (half of maxTokens).
        for _ in 0..<4 { harness.enqueue(wire.text("RATE = 9")) }
        harness.enqueue(wire.action("finish", ["summary": "gave up"]))
        let worker = try await worker(harness, samples: 8, maxTokens: 400, calc: "RATE = 2\nSCALE = RATE * 10\n")

        let outcome = try await worker.run(task: "Make python3 test_calc.py pass.")

        #expect(harness.chats.count == 5)
        #expect(outcome.repairSummary.contains("4 samples"))
        #expect(outcome.repairSummary.contains("stopped: token budget of 200"))
        #expect(outcome.repairSummary.contains("1 line(s) tried"))
        #expect(try harness.workspace.read("calc.py") == "RATE = 2\nSCALE = RATE * 10\n")
    }

    /// calc.py lacks SCALE; the test (out of scope) wants it to be 10.
    static let scaleTest = "from calc import RATE, SCALE\nassert RATE == 2 and SCALE == 10, SCALE\nprint('ok')\n"

    /// The `After:` line of an insert request's last user message.
    private static func askedAfter(_ request: ScriptedHTTPServer.Request) -> String? {
        guard let text = request.messages.last?["content"] as? String else { return nil }
        return text.components(separatedBy: "\n").first { $0.hasPrefix("After: ") }.map { String($0.dropFirst(7)) }
    }

    @Test("a new line after the ranked line makes verify pass: it is kept there and the turn ends")
    func insertSolves() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let wire = ModelWire.openAI
        // The replacement sample is wrong; the sample for a new line after RATE is right.
        harness.enqueue(wire.text("RATE = 3"), wire.text("`SCALE = 10`"))
        let worker = try await worker(
            harness, samples: 1, calc: "RATE = 2\n\ndef f():\n    return RATE\n", test: Self.scaleTest,
            goal: "calc.py must define SCALE = 10 next to RATE.", insertSamples: 1)

        let outcome = try await worker.run(task: "Make python3 test_calc.py pass.")

        #expect(outcome.finished && outcome.steps == 0)
        #expect(try harness.workspace.read("calc.py") == "RATE = 2\nSCALE = 10\n\ndef f():\n    return RATE\n")
        #expect(outcome.repairSummary.contains("kept: calc.py: new line 2 → `SCALE = 10`"))
        #expect(outcome.repairSummary.contains("every verify command passes"))
        #expect(harness.chats.count == 2)
        #expect(Self.askedLine(harness.chats[0]) == "RATE = 2" && Self.askedAfter(harness.chats[1]) == "RATE = 2")
    }

    @Test("wrong new lines at every place leave the tree unchanged; the out_of_scope test is never a place")
    func wrongInsertsUndone() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let wire = ModelWire.openAI
        // The places: RATE replaced, a line after it, the top of calc.py, its end (after
        // `return RATE`, also a ranked line), then `return RATE` replaced.
        harness.enqueue(
            wire.text("RATE = 9"), wire.text("rate = 3"), wire.text("print('x')"), wire.text("assert SCALE == 11"),
            wire.text("return RATE * 2"), wire.action("finish", ["summary": "gave up"]))
        let worker = try await worker(
            harness, samples: 1, inScope: ["calc.py", "test_calc.py"], calc: "RATE = 2\n\ndef f():\n    return RATE\n",
            test: Self.scaleTest, goal: "calc.py must define SCALE = 10 next to RATE.", insertSamples: 1)

        let outcome = try await worker.run(task: "Make python3 test_calc.py pass.")

        #expect(outcome.finished && outcome.summary == "gave up")
        #expect(outcome.filesChanged.isEmpty)
        #expect(try harness.workspace.read("calc.py") == "RATE = 2\n\ndef f():\n    return RATE\n")
        #expect(try harness.workspace.read("test_calc.py") == Self.scaleTest)
        #expect(outcome.repairSummary.contains("none kept"))
        #expect(!outcome.repairSummary.contains("test_calc.py"))
        #expect(harness.chats.prefix(5).compactMap(Self.askedAfter) == ["RATE = 2", "(start of file)", "    return RATE"])
        #expect(harness.chats.count == 6)
    }

    @Test("an in-scope file that does not exist yet is a place: its first line, kept when verify passes")
    func newFile() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(ModelWire.openAI.text("SCALE = 10"))
        let worker = try await worker(
            harness, samples: 1, inScope: ["calc.py", "extra.py"], test: "from extra import SCALE\nassert SCALE == 10\nprint('ok')\n",
            goal: "extra.py must define SCALE = 10.", insertSamples: 1)

        let outcome = try await worker.run(task: "Make python3 test_calc.py pass.")

        #expect(outcome.finished && outcome.filesChanged == ["extra.py"])
        #expect(try harness.workspace.read("extra.py") == "SCALE = 10\n")
        #expect(outcome.repairSummary.contains("(extra.py:new 0)") && outcome.repairSummary.contains("every verify command passes"))
        #expect(harness.chats.count == 1 && Self.askedAfter(harness.chats[0]) == "(start of file)")
    }

    @Test("off: no sample is asked for")
    func off() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(ModelWire.openAI.action("finish", ["summary": "done"]))
        var worker = try await worker(harness, samples: 3)
        worker.limits.repairSampling = false

        let outcome = try await worker.run(task: "Make python3 test_calc.py pass.")

        #expect(harness.chats.count == 1 && outcome.repairSummary.isEmpty)
    }

    @Test("the replacement prompt shows up to three lines before the line (none at line 1 or when they are blank)")
    func contextBeforeLine() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let wire = ModelWire.openAI
        harness.enqueue(wire.text("RATE = 3"))
        let agent = try await worker(harness, samples: 1, calc: "# rates\nBASE = 1\n\nRATE = 2\n")

        _ = try await agent.run(task: "Make python3 test_calc.py pass.")

        let question = harness.chats.first?.messages.last?["content"] as? String
        #expect(question == "Goal: RATE in calc.py must be 3.\nCode:\n# rates\nBASE = 1\n\nLine: RATE = 2\nWrite the fixed line.")
        #expect(try harness.workspace.read("calc.py") == "# rates\nBASE = 1\n\nRATE = 3\n")
        let lines = ["a", "b", "c", "d", "e"]
        #expect(RepairSampler.linesBefore(1, in: lines) == "")
        #expect(RepairSampler.linesBefore(2, in: lines) == "a")
        #expect(RepairSampler.linesBefore(5, in: lines) == "b\nc\nd")
        #expect(RepairSampler.linesBefore(3, in: ["", " ", "x"]) == "")
    }
}

@Suite("Worker: finding the line a failure points at")
struct FailureLocatorTests {
    @Test("a traceback line in the file wins; then lines the goal quotes; comments and blanks never")
    func ranking() {
        let code = "# the rate\nRATE = 2\n\ndef scaled(x):\n    return x * RATE\n"
        let traceback = "Traceback (most recent call last):\n  File \"/tmp/judge/calc.py\", line 5, in scaled\nTypeError: bad"
        let first = FailureLocator.rank(files: [("calc.py", code)], failingOutput: traceback, taskText: "RATE must be 3", limit: 2)
        #expect(first.map(\.number) == [5, 2])
        let quoted = FailureLocator.rank(
            files: [("calc.py", code)], failingOutput: "AssertionError", taskText: "Change `return x * RATE` to return x + RATE", limit: 1)
        #expect(quoted.map(\.number) == [5])
        #expect(FailureLocator.rank(files: [("calc.py", code)], failingOutput: "", taskText: "the rate", limit: 4).allSatisfy { $0.number != 1 })
    }

    @Test("error locations from python, bash and pytest")
    func references() {
        let output = "  File \"x.py\", line 3, in f\nrun.sh: line 7: foo: command not found\ntest_a.py:12: AssertionError"
        #expect(
            FailureLocator.lineReferences(in: output).map { "\($0.file):\($0.line)" }.sorted() == ["run.sh:7", "test_a.py:12", "x.py:3"])
        #expect(FailureLocator.refersTo("/tmp/copy/pkg/x.py", "pkg/x.py") && !FailureLocator.refersTo("/tmp/xx.py", "x.py"))
    }

    @Test("places for new lines: after each ranked line, the top and end of the best file, each once; a kept new line moves the rest down")
    func places() {
        let code = "\"\"\"Doc.\"\"\"\nimport sys\n\ndef f(x):\n    return x\n"
        let ranked = [
            FailureLocator.Line(path: "a.py", number: 4, text: "def f(x):", score: 3),
            FailureLocator.Line(path: "a.py", number: 5, text: "    return x", score: 2),
        ]
        var attempts = RepairSampler.attempts(for: ranked, files: [("a.py", code)], inserting: true)
        #expect(attempts.map(\.label) == ["a.py:4", "a.py:after 4", "a.py:top 2", "a.py:end 5", "a.py:5"])
        #expect(attempts[1].indent == "    " && attempts[2].indent == "")
        for index in attempts.indices { attempts[index].shift(insertedAt: 3) }
        #expect(attempts.map(\.line) == [5, 5, 2, 6, 6])
        #expect(RepairSampler.attempts(for: ranked, files: [("a.py", code)], inserting: false).map(\.label) == ["a.py:4", "a.py:5"])
        #expect(RepairSampler.topLine(["#!/bin/sh", "set -e", "echo hi"]) == 1)
    }

    @Test("new lines: cleaned, indented, and lines the file already holds dropped")
    func newLines() {
        let found = RepairSampler.newLines(from: "import os\n`import json`\n        deeper()\nx", indent: "    ", existing: ["import os"])
        #expect(found == ["    import json", "        deeper()"])
    }

    @Test("a test script's pass:/FAIL: lines (or TAP's) count as tests when no runner summary is printed")
    func checkLines() {
        let counts = EditGuard.checkLineCounts("exit code 1\npass: a -> b\nFAIL: c: expected\nFAIL: d\n1 check(s) failed\n")
        #expect(counts?.passed == 1 && counts?.failed == 2)
        #expect(EditGuard.checkLineCounts("ok 1 - a\nnot ok 2 - b\n")?.failed == 1)
        #expect(EditGuard.checkLineCounts("everything ok here\nno failures\n") == nil)
    }

    @Test("answers are cleaned up, re-indented, and no-ops and far-off lines dropped")
    func candidates() {
        let original = "    return list(range(n, 1, -1))"
        let reply = "def countdown(n):\n    return list(range(n, 0, -1))\n`return list(range(n, 1, -1))`\nreturn [3, 2, 1]"
        #expect(RepairSampler.candidates(from: reply, original: original) == ["    return list(range(n, 0, -1))"])
        #expect(RepairSampler.candidates(from: "Fixed line: `exit 1`", original: "exit 0") == ["exit 1"])
        #expect(RepairSampler.candidates(from: "The task is done.", original: "exit 0").isEmpty)
        #expect(RepairSampler.editDistance("kitten", "sitting", limit: 5) == 3)
    }
}
