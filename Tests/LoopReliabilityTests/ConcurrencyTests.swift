#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore
import LoopTestSupport
import Testing

extension Reliability {
    /// Issue item 6: one PM per bus, a dead owner's lock taken over, a removed lock file, and
    /// two tasks running at once on two buses of one repository.
    @Suite(.serialized, .timeLimit(.minutes(5)))
    struct Concurrency {
        static func record(
            _ name: String, _ checks: [(String, Bool)], _ fields: [String: JSONValue] = [:], explain: String = ""
        ) {
            Recorder.checks(suite: "concurrency", name: name, checks, fields, explain: explain)
        }

        /// Each failed run's whole output, for the failure message.
        static func failedRuns(_ runs: [(String, LoopResult)]) -> String {
            runs.filter { $0.1.exitCode != 0 }
                .map { "task \($0.0)'s run (exit \($0.1.exitCode)):\n\($0.1.output)" }
                .joined(separator: "\n")
        }

        @Test("a second PM on a live bus is refused with exit 5 naming the owner, for run, --resume and --reset")
        func secondPMRefused() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            let first = try await box.startHeldRun()
            let owner = try await first.pid()
            let audit = Bus(box)
            let stateBefore = try audit.text("state.json")
            var exits: [Int32] = []
            var namesOwner = true
            for extra in [[], ["--resume"], ["--reset"]] {
                let other = try await box.run(extra)
                exits.append(other.exitCode)
                namesOwner = namesOwner && other.output.contains("pid \(owner)")
            }
            let untouched = (try? audit.text("state.json")) == stateBefore
            try box.releaseWorker()
            let finished = try await first.wait()
            Self.record("two PMs on one bus", [
                ("every second PM exits 5", exits.allSatisfy { $0 == 5 }),
                ("the refusal names the owner's pid", namesOwner),
                ("state.json untouched by the refused PMs", untouched),
                ("the first run finishes approved", finished.exitCode == 0),
            ], ["exits": .array(exits.map { .number(Double($0)) })])
        }

        @Test("the lock of a PM killed with -9 is taken over by the next run, which says so and finishes")
        func killedOwnerTakenOver() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            let first = try await box.startHeldRun()
            let dead = try await first.pid()
            try await first.killGroup()
            _ = try await first.wait()
            try box.releaseWorker()
            let next = try await box.loop(["run", "--resume"])
            Self.record("lock owner killed with -9", [
                ("the next run says it took over the lock", next.output.contains("took over the bus lock")),
                ("and names the dead owner", next.output.contains("pid \(dead)")),
                ("and finishes approved", next.exitCode == 0),
            ])
        }

        @Test("the lock file removed by hand mid-run: the running PM finishes its run uncorrupted")
        func lockRemovedRunningPMUnharmed() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            let first = try await box.startHeldRun()
            try FileManager.default.removeItem(atPath: box.loopDir + "/lock")
            try box.releaseWorker()
            let finished = try await first.wait()
            let audit = Bus(box)
            Self.record("lock file removed mid-run (no second PM)", [
                ("the running PM finishes approved", finished.exitCode == 0),
                ("nothing torn", audit.tornFiles().isEmpty),
                ("one PM commit", (try? await box.taskCommits()) == 1),
            ], ["lock_file_after_run": .bool(audit.exists("lock"))])
        }

        /// What a second PM does once the lock file is gone, recorded for docs/RELIABILITY.md.
        @Test("after the lock file is removed mid-run, a second `loop run` is still refused (state says the run is live)")
        func lockRemovedSecondPlainRunRefused() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            let first = try await box.startHeldRun()
            try FileManager.default.removeItem(atPath: box.loopDir + "/lock")
            let second = try await box.run()
            try box.releaseWorker()
            let finished = try await first.wait()
            Self.record("lock file removed mid-run, then `loop run`", [
                ("the second `loop run` does not start (exit 1 or 5)", second.exitCode == 1 || second.exitCode == 5),
                ("the first run finishes approved", finished.exitCode == 0),
            ], [
                "second_exit": .number(Double(second.exitCode)), "second_says": .string(tail(second.output, lines: 2)),
                "live_worker_attempts": .number(Double(Self.workerAttempts(box))),
            ])
        }

        static func workerAttempts(_ box: TestRepo) -> Int {
            Int((try? box.read(box.scratchFile("worker.count")))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        }

        /// Regression — a bug this suite found (fixed on main): with .loop/lock removed, a refused second `loop run` first ends the live run's worker as 'left by a dead run' (SIGTERM)

        @Test("a second `loop run` refused after the lock file was removed leaves the live run's agent alone")
        func lockRemovedRefusedRunLeavesLiveAgentAlone() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            let first = try await box.startHeldRun()
            try FileManager.default.removeItem(atPath: box.loopDir + "/lock")
            let second = try await box.run()
            try box.releaseWorker()
            let finished = try await first.wait()
            #expect(second.exitCode == 1 || second.exitCode == 5, "\(second.output)")
            #expect(!second.output.contains("left by a dead run"), "\(second.output)")
            #expect(Self.workerAttempts(box) == 1, "the live worker was ended and dispatched again")
            #expect(finished.exitCode == 0)
        }

        /// Regression — a bug this suite found (fixed on main): with .loop/lock removed, a second `loop run --resume` locks a new file and runs the same round beside the live PM

        @Test("after the lock file is removed mid-run, a second `loop run --resume` is refused (exit 5)")
        func lockRemovedSecondResumeRefused() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            let first = try await box.startHeldRun()
            try FileManager.default.removeItem(atPath: box.loopDir + "/lock")
            let second = box.start(["--resume"])
            // Give the second PM time to decide; release the worker so neither waits forever.
            try await Task.sleep(for: .seconds(2))
            try box.releaseWorker()
            let secondResult = try await second.wait()
            let finished = try await first.wait()
            let audit = Bus(box)
            Self.record("lock file removed mid-run, then `loop run --resume`", [
                ("the second PM is refused (exit 5)", secondResult.exitCode == 5),
                ("the first run finishes approved", finished.exitCode == 0),
                ("one PM commit", (try? await box.taskCommits()) == 1),
            ], [
                "second_exit": .number(Double(secondResult.exitCode)), "first_exit": .number(Double(finished.exitCode)),
                "commits": .number(Double((try? await box.taskCommits()) ?? -1)), "torn": .number(Double(audit.tornFiles().count)),
            ])
        }

        @Test("two tasks at once on two buses (--loop-dir) of one repository: both approved, branches and worktrees apart",
              arguments: Array(1...(Matrix.isFull ? 3 : 1)))
        func twoTasksAtOnce(_ repetition: Int) async throws {
            let box = try await TestRepo.make(agents: .runEveryLine, initLoop: false)
            for (dir, task) in [(".loop-a", "A"), (".loop-b", "B")] {
                let made = try await box.loop(["init", "--loop-dir", dir])
                #expect(made.exitCode == 0, "\(made.output)")
                try box.writeCard(taskID: task, loopDir: dir)
                try box.useAgents(worker: AgentScript.goodWorker, reviewer: AgentScript.rejectOnce, loopDir: dir)
            }
            let userHead = try await box.git("rev-parse", "HEAD")
            let a = box.start(["--loop-dir", ".loop-a"])
            let b = box.start(["--loop-dir", ".loop-b"])
            let (ra, rb) = (try await a.wait(), try await b.wait())
            let commitsA = try await box.taskCommits(task: "A")
            let commitsB = try await box.taskCommits(task: "B")
            let worktrees = try await box.git("worktree", "list", "--porcelain")
            let status = try await box.git("status", "--porcelain", "--untracked-files=no")
            Self.record("two tasks on two buses at once (run \(repetition))", [
                ("task A approved", ra.exitCode == 0),
                ("task B approved", rb.exitCode == 0),
                ("loop/A has its 2 commits", commitsA == 2),
                ("loop/B has its 2 commits", commitsB == 2),
                ("each bus has its own worktree", worktrees.contains(".loop-a/worktrees/A") && worktrees.contains(".loop-b/worktrees/B")),
                ("the user's HEAD and tracked files untouched", (try? await box.git("rev-parse", "HEAD")) == userHead && status.isEmpty),
                ("nothing torn on either bus", Bus(root: box.path + "/.loop-a", taskID: "A").tornFiles().isEmpty
                    && Bus(root: box.path + "/.loop-b", taskID: "B").tornFiles().isEmpty),
            ], ["a_output": .string(ra.exitCode == 0 ? "" : tail(ra.output)), "b_output": .string(rb.exitCode == 0 ? "" : tail(rb.output))],
            explain: Self.failedRuns([("A", ra), ("B", rb)]))
        }
    }
}
