import Foundation
import LoopTestSupport
import Testing

/// `.loop/lock`: one PM per bus, the owner named truthfully.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct LockTests {
    @Test("while a run is live, the lock file holds the PM's pid and the run's id")
    func lockNamesTheRun() async throws {
        let repo = try await TestRepo.make()
        let run = try await repo.startHeldRun()
        let bus = Bus(repo)
        let lock = try bus.object("lock")
        let runID = try bus.state["run_id"] as? String

        #expect(lock["pid"] as? Int == Int(try await run.pid()))
        #expect(lock["run_id"] as? String == runID, "lock: \(lock)")
        let second = try await repo.run()
        #expect(second.exitCode == 5)
        #expect(second.stderr.contains(runID ?? "?"), "the refusal names the owner's run: \(second.stderr)")
        try repo.releaseWorker()
        #expect(try await run.wait().exitCode == 0)
    }

    @Test("a run after a cleanly finished one does not claim it took over a dead PM's lock")
    func noTakeoverMessageAfterCleanFinish() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        #expect(try await repo.run().exitCode == 0)

        let second = try await repo.run()

        #expect(second.exitCode == 0, "\(second.output)")
        #expect(!second.output.contains("took over"), "\(second.output)")
    }

    @Test("the lock of a PM killed with -9 is taken over by the next run, which says so")
    func deadOwnerTakenOver() async throws {
        let repo = try await TestRepo.make()
        let run = try await repo.startHeldRun()
        let deadPID = try await run.pid()
        try await run.killGroup()
        _ = try await run.wait()

        try repo.releaseWorker()
        let next = try await repo.run(["--resume"])

        #expect(next.exitCode == 0, "\(next.output)")
        #expect(next.output.contains("took over the bus lock"), "\(next.output)")
        #expect(next.output.contains("pid \(deadPID)"), "\(next.output)")
    }

    @Test("a second PM is refused even for --resume and --reset, and leaves the bus untouched")
    func refusedForEveryMode() async throws {
        let repo = try await TestRepo.make()
        let run = try await repo.startHeldRun()
        let bus = Bus(repo)
        let stateBefore = try bus.text("state.json")

        for extra in [["--resume"], ["--reset"], ["--single-round"]] {
            let other = try await repo.run(extra)
            #expect(other.exitCode == 5, "\(extra): \(other.output)")
        }

        #expect(try bus.text("state.json") == stateBefore)
        try repo.releaseWorker()
        #expect(try await run.wait().exitCode == 0)
    }

    @Test("a plain `loop run` over a run whose PM died is refused with exit 1 naming --resume and --reset")
    func plainRunOverDeadRunRefused() async throws {
        let repo = try await TestRepo.make()
        let run = try await repo.startHeldRun()
        try await run.killGroup()
        _ = try await run.wait()
        let state = try Bus(repo).text("state.json")

        let plain = try await repo.run()

        #expect(plain.exitCode == 1, "\(plain.output)")
        #expect(plain.stderr.contains("--resume") && plain.stderr.contains("--reset"), "\(plain.stderr)")
        #expect(try Bus(repo).text("state.json") == state, "the dead run's state is left for --resume")
    }

    @Test("two tasks on two buses of one repository run at the same time, each on its own branch")
    func twoBusesAtOnce() async throws {
        let repo = try await TestRepo.make()
        let worker = try repo.agent("worker", "sleep 0.3\n" + AgentScript.goodWorker)
        let reviewer = try repo.agent("reviewer", AgentScript.approve)
        var runs: [LoopProcess] = []
        for task in ["A", "B", "C"] {
            let bus = ".bus-\(task)"
            #expect(try await repo.loop("init", "--loop-dir", bus).exitCode == 0)
            let config = try repo.read("\(bus)/config.yaml")
                + "  \(TestRepo.workerBackend):\n    command: [\"\(worker)\"]\n"
                + "  \(TestRepo.reviewerBackend):\n    command: [\"\(reviewer)\"]\n"
            try repo.write("\(bus)/config.yaml", config)
            try repo.write("\(bus)/task_card.json", #"{"task_id": "\#(task)", "goal": "work on \#(task)"}"#)
            runs.append(LoopProcess(TestRepo.runArguments(["--loop-dir", bus]), in: repo.path))
        }

        for (task, run) in zip(["A", "B", "C"], runs) {
            let result = try await run.wait()
            #expect(result.exitCode == 0, "\(task): \(result.output)")
            let work = try? await repo.git("show", "loop/\(task):work.txt")
            #expect(work == "round 1", "\(task): \(result.output)")
        }
        #expect(try await repo.git("rev-parse", "--abbrev-ref", "HEAD") == "main")
    }
}
