#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// A run survives its PM: kill -9, SIGTERM and finished runs are continued or followed from files.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ResumeTests {
    @Test("kill -9 of the PM's group mid-worker, then --resume: approved, and every JSON file on the bus parses")
    func killNineThenResume() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: AgentScript.hangOnFirstCall(seconds: 120))
        let bus = Bus(repo)
        let first = try await repo.start(waitingFor: "ready")
        let runID = try #require(try bus.state["run_id"] as? String)

        try await first.killGroup()
        let killed = try await first.wait()
        #expect(killed.exitCode == 128 + SIGKILL)
        #expect(bus.tornFiles().isEmpty, "torn after kill -9: \(bus.tornFiles())")
        #expect(try bus.state["phase"] as? String == "working")

        let resumed = try await repo.run(["--resume"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try bus.outcome["result"] as? String == "approved")
        #expect(try bus.outcome["run_id"] as? String == runID, "--resume continues the same run")
        #expect(try bus.state["phase"] as? String == "done")
        #expect(try bus.eventNames.contains("run_resumed"))
        #expect(!ProcessControl.isAlive(try repo.recordedPID("agent.pid")), "the killed run's agent was left running")
        #expect(bus.tornFiles().isEmpty, "torn: \(bus.tornFiles())")
        #expect(bus.tempLeftovers().isEmpty, "temp files left: \(bus.tempLeftovers())")
    }

    @Test("processes left by a killed run are ended by the next run, which says so")
    func leftoverProcessesEnded() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        // First call: a sleeping agent plus a helper that escaped into its own session.
        try repo.useAgents(
            worker: """
                if [ "$(attempt worker)" -eq 1 ]; then
                    setsid sleep 300 &
                    record escaped.pid "$!"
                    record agent.pid "$$"
                    sleep 300
                    exit 1
                fi
                change
                work_report
                """)
        let first = try await repo.start(waitingFor: "agent.pid")
        try await first.killGroup()
        _ = try await first.wait()
        let agent = try repo.recordedPID("agent.pid")
        let escaped = try repo.recordedPID("escaped.pid")
        #expect(ProcessControl.isAlive(agent), "the agent runs in its own session and must outlive kill -9 of the PM group")

        let next = try await repo.run(["--reset"])

        #expect(next.exitCode == 0, "\(next.output)")
        #expect(next.output.contains("ended"), "\(next.output)")
        #expect(next.output.contains("\(agent)"), "\(next.output)")
        #expect(!ProcessControl.isAlive(agent), "agent \(agent) still runs")
        #expect(!ProcessControl.isAlive(escaped), "escaped helper \(escaped) still runs")
        #expect(try Bus(repo).eventNames.contains("orphans_reaped"))
    }

    @Test("SIGTERM to the PM during the worker: exit 143, state interrupted, agent group gone; --resume finishes")
    func sigtermThenResume() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: AgentScript.hangOnFirstCall(seconds: 120))
        let bus = Bus(repo)
        let first = try await repo.start(waitingFor: "ready")

        try await first.send(SIGTERM)
        let stopped = try await first.wait()

        #expect(stopped.exitCode == 143, "\(stopped.output)")
        #expect(try bus.state["phase"] as? String == "interrupted")
        #expect(try bus.state["result"] as? String == "interrupted")
        #expect(try bus.outcome["result"] as? String == "interrupted")
        #expect(!ProcessControl.isAlive(try repo.recordedPID("agent.pid")))
        #expect(!ProcessControl.isAlive(try repo.recordedPID("grandchild.pid")))
        #expect(stopped.output.contains("--resume"))

        let resumed = try await repo.run(["--resume"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try bus.outcome["result"] as? String == "approved")
        #expect(!resumed.output.contains("ended"), "nothing should be left to reap: \(resumed.output)")
    }

    @Test("SIGINT to the PM during the worker: exit 130 and state interrupted")
    func sigintInterrupts() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: AgentScript.hangOnFirstCall(seconds: 120))
        let first = try await repo.start(waitingFor: "ready")

        try await first.send(SIGINT)
        let stopped = try await first.wait()

        #expect(stopped.exitCode == 130, "\(stopped.output)")
        #expect(try Bus(repo).state["phase"] as? String == "interrupted")
        #expect(!ProcessControl.isAlive(try repo.recordedPID("agent.pid")))
    }

    @Test("a second and a third `loop run` after a finished run start new runs without --reset")
    func consecutiveRuns() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        let bus = Bus(repo)
        var runIDs: [String] = []

        for index in 1...3 {
            let result = try await repo.run()
            #expect(result.exitCode == 0, "run \(index): \(result.output)")
            let outcome = try bus.outcome
            #expect(outcome["result"] as? String == "approved")
            runIDs.append(try #require(outcome["run_id"] as? String))
        }

        #expect(Set(runIDs).count == 3, "each run has its own run id: \(runIDs)")
        #expect(bus.archivedRuns() == runIDs.sorted())
        for runID in runIDs.dropLast() {
            // The finished run's leftover bus files went to its archive before the next run.
            let archived = bus.files(under: bus.archiveFolder(run: runID))
            #expect(archived.contains("r1_final_outcome.json"), "\(archived)")
            #expect(archived.contains("r1_final_work_report.json"), "\(archived)")
        }
        #expect(try bus.state["run_id"] as? String == runIDs.last)
        // Every run added its commit on top of the task branch.
        #expect(try await repo.git("rev-list", "--count", "main..loop/T-1") == "3")
    }

    @Test("--resume of an approved run is refused, and --resume with nothing to resume is exit 1")
    func resumeRefusals() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()

        let nothing = try await repo.run(["--resume"])
        #expect(nothing.exitCode == 1, "\(nothing.output)")
        #expect(nothing.stderr.contains("state.json"), "\(nothing.stderr)")

        #expect(try await repo.run().exitCode == 0)
        let runID = try Bus(repo).state["run_id"] as? String
        let again = try await repo.run(["--resume"])
        // Nothing to do is not an error: the run is approved, and stays the current run.
        #expect(again.exitCode == 0, "\(again.output)")
        #expect(again.stderr.contains("already approved"), "\(again.stderr)")
        #expect(try Bus(repo).state["run_id"] as? String == runID)
    }

    @Test(
        "a verify command left running by a PM killed with -9 is ended by the next run")
    func orphanedVerifyCommandEnded() async throws {
        let repo = try await TestRepo.make()
        // Verify runs in the sandbox: it marks its start in the worktree, and the test finds the
        // hanging command by its name on the host (its $$ is a pid of the sandbox's namespace).
        let marker = "loop-verify-hang-\(UUID().uuidString.prefix(8))"
        let hangOnce = "if [ ! -f verify.started ]; then touch verify.started; exec -a \(marker) sleep 300; fi; true"
        try repo.writeCard(verify: [hangOnce])
        try repo.useAgents()
        let first = repo.start()
        func hostPID() -> pid_t? {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return names.compactMap { name -> pid_t? in
                guard let pid = pid_t(name), let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline")
                else { return nil }
                return String(decoding: data, as: UTF8.self).hasPrefix(marker) ? pid : nil
            }.first
        }
        try await eventually("verify started") { hostPID() != nil }
        let verify = try #require(hostPID())
        try await first.killGroup()
        _ = try await first.wait()

        let resumed = try await repo.run(["--resume"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(!ProcessControl.isAlive(verify), "verify pid \(verify) still runs")
        if ProcessControl.isAlive(verify) { kill(verify, SIGKILL) }
    }

    @Test(
        "a corrupt state.json is recovered from with `loop run --reset`, as the error message advises")
    func corruptStateRecoveredByReset() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        #expect(try await repo.run().exitCode == 0)
        let torn = #"{"schema_version": 1, "task_id": "T-1", "run_id"#
        try repo.write(".loop/state.json", torn)

        let plain = try await repo.run()
        #expect(plain.exitCode == 1, "\(plain.output)")
        #expect(plain.stderr.contains("--reset"), "\(plain.stderr)")

        let reset = try await repo.run(["--reset"])

        #expect(reset.exitCode == 0, "\(reset.output)")
        #expect(try Bus(repo).outcome["result"] as? String == "approved")
        let kept = Bus(repo).files(under: "archive").contains { path in
            (try? Bus(repo).text("archive/\(path)")) == torn
        }
        #expect(kept, "the unreadable state.json is archived, not lost")
    }
}
