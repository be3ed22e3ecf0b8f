#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// Agents are processes the PM owns: limits end their whole group, stdin never blocks them,
/// and one bus has one PM.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ProcessControlTests {
    @Test("a hung agent whose grandchild also ignores SIGTERM is killed at --dispatch-timeout, leaving no survivor")
    func hungAgentGroupKilled() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: AgentScript.hangOnFirstCall(ignoreTerm: true, seconds: 300))
        let bus = Bus(repo)

        let result = try await repo.run(["--dispatch-timeout", "2", "--dispatch-retries", "0"])

        #expect(result.exitCode == 3, "\(result.output)")
        #expect(result.seconds < 30, "took \(result.seconds) s")
        let agent = try repo.recordedPID("agent.pid")
        let grandchild = try repo.recordedPID("grandchild.pid")
        #expect(!ProcessControl.isAlive(agent), "agent \(agent) survived")
        #expect(!ProcessControl.isAlive(grandchild), "grandchild \(grandchild) survived")
        let reason = try #require(try bus.outcome["reason"] as? String)
        #expect(reason.contains("timed out") || reason.contains("timeout"), "reason: \(reason)")
        #expect(ProcessControl.processes(withEnvironment: "LOOP_BUS_DIR", value: repo.loopDir).isEmpty)
    }

    @Test("an agent silent for longer than --idle-timeout is ended as hung and the retry succeeds")
    func idleAgentEndedAndRetried() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: AgentScript.hangOnFirstCall(seconds: 300))
        let bus = Bus(repo)

        let result = try await repo.run(["--idle-timeout", "1", "--dispatch-retries", "1"])

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(!ProcessControl.isAlive(try repo.recordedPID("agent.pid")))
        #expect(!ProcessControl.isAlive(try repo.recordedPID("grandchild.pid")))
        let worker = try #require(try bus.rounds.first?["worker"] as? [String: Any])
        #expect(worker["attempt"] as? Int == 2)
        #expect(try bus.eventNames.contains("dispatch_failed"))
    }

    @Test("an agent that writes a valid report and then hangs is stopped at --dispatch-timeout and its report used")
    func reportThenHang() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(
            worker: """
                change
                work_report
                record agent.pid "$$"
                exec sleep 300
                """)

        let result = try await repo.run(["--dispatch-timeout", "2", "--dispatch-retries", "0"])

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(!ProcessControl.isAlive(try repo.recordedPID("agent.pid")))
        #expect(try Bus(repo).rounds.first?["worker"].flatMap { ($0 as? [String: Any])?["attempt"] as? Int } == 1)
    }

    @Test("agents that read stdin to the end and then read again do not hang the loop; stdin is the prompt")
    func stdinReadersDoNotHang() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(
            worker: """
                cat >"$STATE/worker_stdin.txt"
                read -r line || true
                cat >/dev/null
                change
                work_report
                """,
            reviewer: """
                cat >/dev/null
                while read -r line; do :; done
                review_report approve
                """)
        let bus = Bus(repo)

        let result = try await repo.run(["--dispatch-timeout", "30"])

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(result.seconds < 25, "took \(result.seconds) s")
        let runID = try #require(try bus.outcome["run_id"] as? String)
        let prompt = try bus.text("\(bus.archiveFolder(run: runID))/r1_worker_prompt.txt")
        let received = try repo.read(repo.scratchFile("worker_stdin.txt"))
        #expect(!prompt.isEmpty)
        #expect(received == prompt)
    }

    @Test("each agent gets the documented LOOP_* environment and runs in the workdir")
    func agentEnvironment() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(
            worker: """
                env | grep '^LOOP_' | sort >"$STATE/worker.env"
                pwd >"$STATE/worker.cwd"
                cmp -s "$LOOP_PROMPT_FILE" /dev/stdin && echo same >"$STATE/prompt-file-is-stdin"
                change
                work_report
                """)
        let bus = Bus(repo)

        let result = try await repo.run()

        #expect(result.exitCode == 0, "\(result.output)")
        let lines = try repo.read(repo.scratchFile("worker.env")).split(separator: "\n").map(String.init)
        var env: [String: String] = [:]
        for line in lines {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { env[parts[0]] = parts[1] }
        }
        let worker = try #require(try bus.rounds.first?["worker"] as? [String: Any])
        let workdir = repo.loopDir + "/worktrees/T-1"
        #expect(env["LOOP_ROLE"] == "worker")
        #expect(env["LOOP_ROUND"] == "1")
        #expect(env["LOOP_TASK_ID"] == "T-1")
        #expect(env["LOOP_RUN_ID"] == worker["run_id"] as? String)
        #expect(env["LOOP_WORKDIR"] == workdir)
        #expect(env["LOOP_BUS_DIR"] == repo.loopDir)
        #expect(env["LOOP_REPORT_PATH"] == repo.loopDir + "/work_report.json")
        #expect(env["LOOP_PROMPT_FILE"] != nil)
        #expect(try repo.read(repo.scratchFile("worker.cwd")).trimmingCharacters(in: .whitespacesAndNewlines) == workdir)
        #expect(repo.exists(repo.scratchFile("prompt-file-is-stdin")))
    }

    @Test("a second PM on the same bus is refused with exit 5 naming the owner, and the first run finishes")
    func secondPMRefused() async throws {
        let repo = try await TestRepo.make()
        let first = try await repo.startHeldRun()
        let owner = try await first.pid()

        let second = try await repo.run()

        #expect(second.exitCode == 5, "\(second.output)")
        #expect(second.stderr.contains("pid \(owner)"), "\(second.stderr)")
        #expect(second.errorLines.count == 1, "\(second.stderr)")
        try repo.releaseWorker()
        let result = try await first.wait()
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try Bus(repo).outcome["result"] as? String == "approved")
    }

    @Test(
        "a helper the worker started in its own session does not outlive the PM")
    func escapedHelperDoesNotOutliveThePM() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(
            worker: """
                setsid sleep 300 >/dev/null 2>&1 </dev/null &
                record escaped.pid "$!"
                change
                work_report
                """)

        let result = try await repo.run()

        #expect(result.exitCode == 0, "\(result.output)")
        let escaped = try repo.recordedPID("escaped.pid")
        #expect(!ProcessControl.isAlive(escaped), "pid \(escaped) still runs after the PM exited")
    }

    /// Regression: a round process made a child subreaper (tried to spare the /proc sweep) became
    /// the parent of every orphan and never waited for them: each one that exited stayed a zombie.
    @Test("an orphan the worker leaves, once it exits, is no zombie of the round process")
    func orphanLeavesNoZombie() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(
            worker: """
                ( sleep 0.2 & ) </dev/null >/dev/null 2>&1
                change
                work_report
                """,
            reviewer: """
                sleep 1
                ps -o stat=,comm= --ppid "$PPID" >"$STATE/round-children.txt"
                review_report approve
                """)

        let result = try await repo.run()

        #expect(result.exitCode == 0, "\(result.output)")
        let children = try repo.read(repo.scratchFile("round-children.txt"))
        #expect(!children.split(separator: "\n").contains { $0.hasPrefix("Z") }, "zombies: \(children)")
    }
}
