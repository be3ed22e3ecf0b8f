import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

/// `loop agent` end to end: the real built binary with the `LOOP_*` environment, talking to a
/// scripted OpenAI-compatible server, writing its report and usage to a real bus folder.
@Suite("loop agent process", .serialized, .timeLimit(.minutes(2)))
struct AgentProcessTests {
    private func environment(_ server: ScriptedHTTPServer) -> [String: String] {
        ["OPENAI_BASE_URL": server.baseURL.absoluteString + "/v1"]
    }

    @Test(
        "as worker it edits the repo, writes a valid work report echoing its dispatch, and logs the server's usage",
        .enabled(if: BubblewrapRequirement.shouldRun))
    func workerRound() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let wire = ModelWire.openAI
        harness.enqueue(
            .props(contextLength: 4096),
            wire.action("read_file", ["path": "greeting.txt"], usage: Usage(prompt: 700, completion: 21)),
            wire.action(
                "edit_file", ["path": "greeting.txt", "search": "world", "replace": "loop"],
                usage: Usage(prompt: 760, completion: 22, cached: 690)),
            wire.action("run", ["command": "bash test.sh"], usage: Usage(prompt: 830, completion: 23, cached: 750)),
            wire.action(
                "finish", ["summary": "Greeting fixed; test.sh passes."],
                usage: Usage(prompt: 900, completion: 24, cached: 820)))

        let result = try await AgentProcess.run(
            ["--provider", "openai", "--model", "m", "--tool-mode", "json"], role: .worker,
            workspace: harness.workspace, prompt: WorkerHarness.task, environment: environment(harness.server))

        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("· context 4096"), "the context is clamped to the server's n_ctx")
        #expect(try harness.workspace.read("greeting.txt") == "hello loop\n")
        let path = harness.workspace.context().reportPath
        let check = ReportReader.checkWork(path, expecting: AgentProcess.identity(harness.workspace, role: .worker))
        guard case .valid(let report) = check else {
            Issue.record("not a valid work report: \(check)")
            return
        }
        #expect(report.taskID == "T-7" && report.round == 2 && report.runID == "run42.r2.worker1")
        #expect(report.filesChanged == ["greeting.txt"])
        #expect(report.tests.map(\.name) == ["bash test.sh"] && report.tests.map(\.result) == ["pass"])
        #expect(report.notes == "Greeting fixed; test.sh passes.")
        #expect(report.headSHA == (try await harness.workspace.git(["rev-parse", "HEAD"])))
        #expect(report.raw["agent"]?["finished"] == .bool(true) && report.raw["agent"]?["steps"]?.intValue == 4)

        let usage = AgentProcess.usage(harness.workspace)
        #expect(usage.map { $0["prompt_tokens"]?.intValue } == [700, 760, 830, 900])
        #expect(usage.map { $0["cached_prompt_tokens"]?.intValue } == [nil, 690, 750, 820])
        #expect(usage.map { $0["completion_tokens"]?.intValue } == [21, 22, 23, 24])
        #expect(
            usage.allSatisfy {
                $0["role"]?.stringValue == "worker" && $0["backend"]?.stringValue == "openai"
                    && $0["model"]?.stringValue == "m"
                    && $0["task_id"]?.stringValue == "T-7" && $0["dispatch_id"]?.stringValue == "run42.r2.worker1"
                    && $0["round"]?.intValue == 2
            })
        #expect(
            harness.chats.allSatisfy { $0.object["response_format"] != nil && $0.object["max_tokens"] as? Int == 512 },
            "action replies are capped at --action-reply-tokens (512), below --reply-tokens (1024)")
    }

    @Test("as reviewer it writes a schema-valid review report")
    func reviewerRound() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(
            ModelWire.openAI.text(
                ReviewerAgentTests.changesRequired, usage: Usage(prompt: 1500, completion: 80, cached: 1024)))

        let result = try await AgentProcess.run(
            ["--provider", "openai", "--model", "m"], role: .reviewer, workspace: harness.workspace,
            prompt: ReviewerAgentTests.prompt, environment: environment(harness.server))

        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        let path = harness.workspace.context(role: .reviewer).reportPath
        let check = ReportReader.checkReview(path, expecting: AgentProcess.identity(harness.workspace, role: .reviewer))
        guard case .valid(let report) = check else {
            Issue.record("not a valid review report: \(check)")
            return
        }
        #expect(report.decision == .changesRequired && report.runID == "run42.r2.reviewer1")
        #expect(report.blockingIssues.map(\.reason) == ["the greeting lost its newline"])
        #expect(report.blockingIssues.first?.requiredChange == "end the file with a newline")
        #expect(report.nonBlockingSuggestions == ["add a test for the greeting"])
        #expect(report.summary == "Almost there.")
        let usage = AgentProcess.usage(harness.workspace)
        #expect(usage.count == 1)
        #expect(usage.first?["role"]?.stringValue == "reviewer")
        #expect(
            usage.first?["prompt_tokens"]?.intValue == 1500 && usage.first?["cached_prompt_tokens"]?.intValue == 1024)
        #expect(usage.first?["completion_tokens"]?.intValue == 80)
    }

    @Test("a reviewer that answers invalid JSON twice writes changes_required marked invalid_review (never an approval)")
    func reviewerInvalidTwice() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(ModelWire.openAI.text("LGTM, approve!").repeating)

        let result = try await AgentProcess.run(
            ["--provider", "openai", "--model", "m"], role: .reviewer, workspace: harness.workspace,
            prompt: ReviewerAgentTests.prompt, environment: environment(harness.server))

        #expect(result.exitCode == 0)
        #expect(result.errorLines.isEmpty)
        let data = try #require(FileManager.default.contents(atPath: harness.workspace.context(role: .reviewer).reportPath))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(report["decision"] as? String == "changes_required")
        #expect(report["stopped_reason"] as? String == "invalid_review")
        let issues = try #require(report["blocking_issues"] as? [[String: Any]])
        #expect((issues.first?["reason"] as? String)?.contains("the change was not reviewed") == true)
        #expect(harness.chats.count == 2)
    }

    @Test(
        "with a dead server it exits non-zero with one stderr line naming the URL, and writes no report",
        arguments: Role.allCases)
    func deadServer(role: Role) async throws {
        let workspace = try await AgentWorkspace.make()
        defer { workspace.cleanUp() }
        let port = try ScriptedHTTPServer.unusedPort()

        let result = try await AgentProcess.run(
            ["--provider", "openai", "--model", "m", "--tool-mode", "json"], role: role, workspace: workspace,
            prompt: "Do the task.", environment: ["OPENAI_BASE_URL": "http://127.0.0.1:\(port)/v1"])

        #expect(result.exitCode != 0)
        #expect(result.errorLines.count == 1, "stderr: \(result.stderr)")
        #expect(result.errorLines.first?.contains("127.0.0.1:\(port)") == true, "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: workspace.context(role: role).reportPath))
    }
}
