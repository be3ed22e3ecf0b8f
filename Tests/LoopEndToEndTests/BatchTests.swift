#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// Batches: `loop run --task … --task …` and `loop run --all` run many cards, each in its own
/// worktree and branch, `--parallel N` at a time, in the order their `depends_on` gives.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct BatchTests {
    /// A worker that notes when it starts and ends (the agents' own clock), writes
    /// `<task>.txt`, notes whether it sees `A.txt` (the work of task A), and reports. A task
    /// named in `PEERS` waits (up to 20 s) until every peer has started: peers that really run
    /// at the same time then overlap for sure, and ones run one after another cannot.
    static let timedWorker = #"""
        echo "$(date +%s.%N)" >"$STATE/start-$LOOP_TASK_ID"
        if [ -f "$LOOP_WORKDIR/A.txt" ]; then record "sees-A-$LOOP_TASK_ID" yes; fi
        if [[ " ${PEERS:-} " == *" $LOOP_TASK_ID "* ]]; then
            for _ in $(seq 1 400); do
                all=1
                for peer in $PEERS; do [ -f "$STATE/start-$peer" ] || all=0; done
                [ "$all" = 1 ] && break
                sleep 0.05
            done
        fi
        sleep "${HOLD:-0.5}"
        echo "$LOOP_TASK_ID round $LOOP_ROUND" >>"$LOOP_WORKDIR/$LOOP_TASK_ID.txt"
        put "$LOOP_REPORT_PATH" "$(printf '{"task_id": "%s", "round": %s, "run_id": "%s", "head_sha": "%s", "files_changed": ["%s.txt"], "tests": [], "notes": "done"}' \
            "$LOOP_TASK_ID" "$LOOP_ROUND" "$LOOP_RUN_ID" "$(git -C "$LOOP_WORKDIR" rev-parse HEAD)" "$LOOP_TASK_ID")"
        echo "$(date +%s.%N)" >"$STATE/end-$LOOP_TASK_ID"
        """#

    /// A reviewer that notes when it approved each task.
    static let timedApprove = #"""
        review_report approve
        echo "$(date +%s.%N)" >"$STATE/approved-$LOOP_TASK_ID"
        """#

    /// Writes `.loop/tasks/<id>.json`, a card whose scope is `<id>.txt` (or `scope`).
    static func card(_ repo: TestRepo, _ id: String, dependsOn: [String] = [], scope: String? = nil, extra: String = "")
        throws
    {
        let depends = dependsOn.isEmpty ? "" : ", \"depends_on\": [\(dependsOn.map { "\"\($0)\"" }.joined(separator: ", "))]"
        try repo.write(
            ".loop/tasks/\(id).json",
            #"{"task_id": "\#(id)", "goal": "Write \#(id).txt", "in_scope": ["\#(scope ?? "\(id).txt")"], "out_of_scope": [], "acceptance_criteria": ["\#(id).txt exists"], "constraints": []\#(depends)\#(extra)}"#
                + "\n")
    }

    static func time(_ repo: TestRepo, _ name: String) throws -> Double {
        let text = try String(contentsOfFile: repo.scratchFile(name), encoding: .utf8)
        return try #require(Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), "\(name): \(text)")
    }

    /// What must never change in the user's checkout: HEAD, its branch, and the tracked files.
    static func checkout(_ repo: TestRepo) async throws -> String {
        let head = try await repo.git("rev-parse", "HEAD")
        let branch = try await repo.git("rev-parse", "--abbrev-ref", "HEAD")
        let status = try await repo.git("status", "--porcelain", "--untracked-files=all", "--", ".", ":!.loop")
        return head + branch + status + (try repo.read("README.md"))
    }

    static func batch(_ repo: TestRepo) throws -> [String: Any] {
        try Bus(repo).object("batch.json")
    }

    static func statuses(_ repo: TestRepo) throws -> [String: String] {
        let tasks = try #require(try batch(repo)["tasks"] as? [[String: Any]])
        var result: [String: String] = [:]
        for task in tasks {
            if let id = task["task_id"] as? String { result[id] = task["status"] as? String }
        }
        return result
    }

    @Test("three cards, C depends on A, --parallel 2: A and B overlap, C starts after A's approval and sees A's work")
    func threeCardsWithDependency() async throws {
        let repo = try await TestRepo.make()
        try repo.useAgents(worker: Self.timedWorker, reviewer: Self.timedApprove)
        try Self.card(repo, "A")
        try Self.card(repo, "B")
        try Self.card(repo, "C", dependsOn: ["A"])
        let before = try await Self.checkout(repo)

        let result = try await repo.run(
            ["--all", "--parallel", "2"], environment: ["PEERS": "A B", "HOLD": "0.2"], limit: .seconds(120))

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try Self.statuses(repo) == ["A": "approved", "B": "approved", "C": "approved"])
        let startA = try Self.time(repo, "start-A")
        let startB = try Self.time(repo, "start-B")
        let endA = try Self.time(repo, "end-A")
        let endB = try Self.time(repo, "end-B")
        #expect(startA < endB && startB < endA, "A and B did not overlap: A \(startA)–\(endA), B \(startB)–\(endB)")
        let approvedA = try Self.time(repo, "approved-A")
        let startC = try Self.time(repo, "start-C")
        #expect(startC > approvedA, "C started at \(startC), before A was approved at \(approvedA)")
        #expect(repo.hasMarker("sees-A-C"), "C's worktree does not hold A's approved work")
        #expect(!repo.hasMarker("sees-A-B"), "B must start from the user's HEAD, not from A")
        // Each task on its own branch; the user's checkout untouched.
        for id in ["A", "B", "C"] {
            #expect(try await repo.git("rev-parse", "--verify", "loop/\(id)").count == 40)
            #expect(Bus(repo).exists("batch/\(id)/state.json"))
        }
        #expect(try await Self.checkout(repo) == before)
        #expect(!repo.exists("A.txt"))
        // One table with every task and its merge command.
        for id in ["A", "B", "C"] {
            #expect(result.stdout.split(separator: "\n").contains {
                $0.contains("  \(id) ") && $0.contains("approved") && $0.contains("git merge")
            }, "\(result.stdout)")
        }
        // Every line of the shared event log carries its task.
        let events = try Bus(repo).text("events.jsonl").split(separator: "\n")
        #expect(events.contains { $0.contains(#""task_id":"C""#) && $0.contains("run_finished") })
    }

    @Test("a failed dependency blocks its dependent: never started, said in the summary, exit 3; --resume retries it")
    func failedDependencyBlocks() async throws {
        let repo = try await TestRepo.make()
        try repo.useAgents(
            worker: #"""
                if [ "$LOOP_TASK_ID" = "A" ] && [ ! -f "$STATE/A-fixed" ]; then echo "A cannot work" >&2; exit 1; fi
                \#(Self.timedWorker)
                """#, reviewer: Self.timedApprove)
        try Self.card(repo, "A")
        try Self.card(repo, "B", dependsOn: ["A"])
        try Self.card(repo, "C")

        let result = try await repo.run(["--all", "--dispatch-retries", "0"], limit: .seconds(120))

        #expect(result.exitCode == 3, "\(result.output)")
        #expect(try Self.statuses(repo) == ["A": "failed", "B": "blocked", "C": "approved"])
        #expect(!repo.hasMarker("start-B"), "B started although A failed")
        #expect(result.stdout.contains("B: blocked: dependency A ended failed"), "\(result.stdout)")
        #expect(result.stdout.contains("continue with: loop run --resume"), "\(result.stdout)")
        let approvedC = try Self.time(repo, "approved-C")

        try Data().write(to: URL(fileURLWithPath: repo.scratchFile("A-fixed")))
        let resumed = try await repo.run(["--resume"], limit: .seconds(120))

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try Self.statuses(repo) == ["A": "approved", "B": "approved", "C": "approved"])
        #expect(resumed.stdout.contains("A: resuming"), "the failed run is continued: \(resumed.stdout)")
        #expect(try Self.time(repo, "approved-C") == approvedC, "C was run again")
        #expect(repo.hasMarker("sees-A-B"), "B starts from A's approved work")
    }

    @Test("a cycle, a missing card, a self-dependency: refused in one line before anything starts")
    func badDependenciesRefused() async throws {
        let repo = try await TestRepo.make()
        try repo.useAgents(worker: Self.timedWorker)
        try Self.card(repo, "A", dependsOn: ["B"])
        try Self.card(repo, "B", dependsOn: ["A"])
        let cycle = try await repo.run(["--all"])
        #expect(cycle.exitCode == 1, "\(cycle.output)")
        #expect(cycle.stderr.contains("cycle (A → B → A)"), "\(cycle.stderr)")

        try Self.card(repo, "B", dependsOn: ["Z"])
        let missing = try await repo.run(["--all"])
        #expect(missing.exitCode == 1, "\(missing.output)")
        #expect(missing.stderr.contains("depends on Z, but .loop/tasks has no card for it"), "\(missing.stderr)")

        try Self.card(repo, "B", dependsOn: ["B"])
        let selfDependency = try await repo.run(["--all"])
        #expect(selfDependency.exitCode == 1, "\(selfDependency.output)")
        #expect(selfDependency.stderr.contains("must not name the card's own task_id"), "\(selfDependency.stderr)")

        for result in [cycle, missing, selfDependency] {
            #expect(result.stderr.split(separator: "\n").filter { $0.hasPrefix("loop: ") }.count == 1, "\(result.stderr)")
        }
        #expect(!repo.hasMarker("start-A") && !repo.hasMarker("start-B"), "an agent ran")
        #expect(!Bus(repo).exists("batch.json"))
        #expect(try await repo.git("branch", "--list", "loop/*").isEmpty)
    }

    @Test("two tasks that may run together with overlapping in_scope: warned before launch; a dependency silences it")
    func overlapWarning() async throws {
        let repo = try await TestRepo.make()
        try repo.useAgents(worker: Self.timedWorker)
        try Self.card(repo, "A", scope: "src/")
        try Self.card(repo, "B", scope: "src/app.swift")
        try Self.card(repo, "C", dependsOn: ["A"], scope: "src/")

        let result = try await repo.run(["--task", ".loop/tasks/A.json", "--task", ".loop/tasks/B.json"])

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(result.stderr.contains("tasks A and B may run at the same time and both have src/ in scope"), "\(result.stderr)")
        let ordered = try await repo.run(["--task", ".loop/tasks/A.json", "--task", ".loop/tasks/C.json"])
        #expect(ordered.exitCode == 0, "\(ordered.output)")
        #expect(!ordered.stderr.contains("may run at the same time"), "\(ordered.stderr)")
    }

    /// Starts `loop run` (test backends) with its output in a file, so nothing but the PM is
    /// killed when the PM dies (the harness's `LoopProcess` ends the PM's whole group then).
    /// Returns the PM's pid and the task that ends with it.
    static func startAlone(_ repo: TestRepo, _ arguments: [String], environment: [String: String]) async throws
        -> (pid_t, Task<ProcessOutcome, any Error>)
    {
        let pidFile = repo.scratchFile("pm.pid")
        var spec = ProcessSpec(
            arguments: ["/bin/bash", "-c", "echo $$ > \"$0\"; exec \"$@\" >\"$0.out\" 2>&1", pidFile, LoopBinary.path]
                + TestRepo.runArguments(arguments),
            workingDirectory: repo.path, environment: environment.merging(["NO_COLOR": "1"]) { own, _ in own },
            removedEnvironment: ProcessInfo.processInfo.environment.keys.filter { $0.hasPrefix("LOOP_") },
            timeout: .seconds(120), killGrace: .seconds(2))
        spec.killLeftoversOnExit = false
        let task = Task { try await ProcessRunner.run(spec) { _, _ in } }
        try await eventually("the PM wrote its pid") { repo.hasMarker("pm.pid") }
        let text = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return (try #require(pid_t(text)), task)
    }

    @Test(
        "kill -9 mid-batch (the batch PM alone, or its whole group), then --resume: every task finishes, approved ones are not redone",
        arguments: [false, true])
    func killNineThenResume(wholeGroup: Bool) async throws {
        let repo = try await TestRepo.make()
        try repo.useAgents(
            worker: #"""
                if [ "$LOOP_TASK_ID" = "B" ] && [ "$(attempt worker-B)" -eq 1 ]; then
                    record agent-B.pid "$$"
                    record B-hanging yes
                    sleep 120
                    exit 1
                fi
                \#(Self.timedWorker)
                """#, reviewer: Self.timedApprove)
        try Self.card(repo, "A")
        try Self.card(repo, "B")
        try Self.card(repo, "C", dependsOn: ["B"])
        let before = try await Self.checkout(repo)
        func aApprovedWhileBHangs() -> Bool {
            repo.hasMarker("B-hanging") && (try? Self.statuses(repo)["A"]) == "approved"
        }

        if wholeGroup {
            let first = repo.start(["--all", "--parallel", "2"], environment: ["HOLD": "0"], limit: .seconds(120))
            try await eventually("A approved while B hangs") { aApprovedWhileBHangs() }
            #expect(try await Self.checkout(repo) == before, "mid-batch")
            try await first.killGroup()
            #expect(try await first.wait().exitCode == 128 + SIGKILL)
        } else {
            let (pm, first) = try await Self.startAlone(repo, ["--all", "--parallel", "2"], environment: ["HOLD": "0"])
            try await eventually("A approved while B hangs") { aApprovedWhileBHangs() }
            kill(pm, SIGKILL)
            #expect(try await first.value.signal == SIGKILL)
        }
        #expect(try Self.statuses(repo)["B"] == "running")
        let approvedA = try Self.time(repo, "approved-A")
        // The task runs die with their batch PM.
        try await eventually("B's run let go of its lock") {
            !FileLock.isHeld(at: "\(repo.loopDir)/batch/B/lock")
        }
        if wholeGroup {
            // B's run died mid-round with its batch PM: `loop health` says so and how to go on.
            let health = try await repo.loop("health")
            #expect(health.exitCode == 1, "\(health.output)")
            #expect(health.stdout.contains("FAIL batch.B:"), "\(health.stdout)")
            #expect(health.stdout.contains("the batch PM died") && health.stdout.contains("run --resume"), "\(health.stdout)")
        }
        if !wholeGroup {
            try await eventually("B's hanging agent ended") { !ProcessControl.isAlive((try? repo.recordedPID("agent-B.pid")) ?? 0) }
            // B's run got SIGTERM from the kernel when its batch PM died, and saved itself.
            #expect(try Bus(repo).object("batch/B/state.json")["phase"] as? String == "interrupted")
        }
        #expect(try await Self.checkout(repo) == before)

        let resumed = try await repo.run(["--resume"], environment: ["HOLD": "0"], limit: .seconds(120))

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try Self.statuses(repo) == ["A": "approved", "B": "approved", "C": "approved"])
        #expect(try Self.time(repo, "approved-A") == approvedA, "A was run again")
        #expect(resumed.stdout.contains("B: resuming"), "\(resumed.stdout)")
        #expect(try Bus(repo).object("batch/B/outcome.json")["result"] as? String == "approved")
        // An agent the killed group left (it runs in its own session) was ended by B's resumed run.
        #expect(!ProcessControl.isAlive(try repo.recordedPID("agent-B.pid")))
        #expect(try await Self.checkout(repo) == before)
        #expect(Bus(repo).tornFiles().isEmpty)
    }

    @Test("SIGTERM to the batch PM reaches every running task: exit 143, both interrupted; --resume finishes them")
    func sigtermReachesEveryTask() async throws {
        let repo = try await TestRepo.make()
        try repo.useAgents(
            worker: #"""
                if [ "$(attempt "worker-$LOOP_TASK_ID")" -eq 1 ]; then
                    record "agent-$LOOP_TASK_ID.pid" "$$"
                    sleep 120
                    exit 1
                fi
                \#(Self.timedWorker)
                """#, reviewer: Self.timedApprove)
        try Self.card(repo, "A")
        try Self.card(repo, "B")

        let first = repo.start(["--all", "--parallel", "2"], environment: ["HOLD": "0"], limit: .seconds(120))
        try await eventually("both agents run") { repo.hasMarker("agent-A.pid") && repo.hasMarker("agent-B.pid") }
        try await first.send(SIGTERM)
        let stopped = try await first.wait()

        #expect(stopped.exitCode == 143, "\(stopped.output)")
        #expect(try Self.statuses(repo) == ["A": "interrupted", "B": "interrupted"])
        for id in ["A", "B"] {
            #expect(!ProcessControl.isAlive(try repo.recordedPID("agent-\(id).pid")), "\(id)'s agent still runs")
            #expect(try Bus(repo).object("batch/\(id)/state.json")["phase"] as? String == "interrupted")
        }
        #expect(stopped.stdout.contains("continue with: loop run --resume"), "\(stopped.stdout)")
        let status = try await repo.loop("status")
        #expect(status.stdout.contains("A  interrupted"), "\(status.stdout)")

        let resumed = try await repo.run(["--resume"], environment: ["HOLD": "0"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try Self.statuses(repo) == ["A": "approved", "B": "approved"])
    }

    @Test("status and status --json show every task of the batch; tasks list/show cover cards, outcomes and branches")
    func statusAndTasks() async throws {
        let repo = try await TestRepo.make()
        try repo.useAgents(worker: Self.timedWorker, reviewer: Self.timedApprove)
        try Self.card(repo, "A")
        try Self.card(repo, "B", dependsOn: ["A"])
        try Self.card(repo, "D")
        let result = try await repo.run(["--task", ".loop/tasks/A.json", "--task", ".loop/tasks/B.json"])
        #expect(result.exitCode == 0, "\(result.output)")

        let status = try await repo.loop("status")
        #expect(status.exitCode == 0, "\(status.output)")
        for id in ["A", "B"] {
            #expect(status.stdout.split(separator: "\n").contains { $0.contains(id) && $0.contains("approved") }, "\(status.stdout)")
        }
        let json = try await repo.loop("status", "--json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let tasks = try #require((object["batch"] as? [String: Any])?["tasks"] as? [[String: Any]], "\(json.stdout)")
        #expect(tasks.compactMap { $0["task_id"] as? String } == ["A", "B"])
        #expect(tasks.allSatisfy { $0["status"] as? String == "approved" && $0["round"] as? Int == 1 })

        let list = try await repo.loop("tasks", "list")
        #expect(list.exitCode == 0, "\(list.output)")
        #expect(list.stdout.split(separator: "\n").contains { $0.contains("A") && $0.contains("approved") }, "\(list.stdout)")
        #expect(list.stdout.split(separator: "\n").contains { $0.contains("D") && $0.contains("never run") }, "\(list.stdout)")
        let listJSON = try await repo.loop("tasks", "list", "--json")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listJSON.stdout.utf8)) as? [[String: Any]])
        #expect(rows.compactMap { $0["task_id"] as? String } == ["A", "B", "D"])
        let b = try #require(rows.first { $0["task_id"] as? String == "B" })
        #expect(b["depends_on"] as? [String] == ["A"])
        #expect(b["branch"] as? String == "loop/B")
        #expect(b["result"] as? String == "approved")

        let show = try await repo.loop("tasks", "show", "B")
        #expect(show.exitCode == 0, "\(show.output)")
        #expect(show.stdout.contains("depends on: A"), "\(show.stdout)")
        #expect(show.stdout.contains("git merge"), "\(show.stdout)")
        let missing = try await repo.loop("tasks", "show", "Q")
        #expect(missing.exitCode == 1, "\(missing.output)")

        // A batch task's archived round goes back into its own run folder, not the bus's root.
        try? FileManager.default.removeItem(atPath: "\(repo.loopDir)/batch/B/work_report.json")
        let restore = try await repo.loop("archive", "restore", "B", "--round", "1")
        #expect(restore.exitCode == 0, "\(restore.output)")
        #expect(restore.stdout.contains("batch/B/work_report.json"), "\(restore.stdout)")
        #expect(FileManager.default.fileExists(atPath: "\(repo.loopDir)/batch/B/work_report.json"))
        #expect(!FileManager.default.fileExists(atPath: "\(repo.loopDir)/work_report.json"))
    }

    @Test("--all skips cards loop-kit marks \"status\": \"done\", and a dependency on one counts as approved")
    func allSkipsDoneCards() async throws {
        let repo = try await TestRepo.make()
        try repo.useAgents(worker: Self.timedWorker, reviewer: Self.timedApprove)
        try Self.card(repo, "A", extra: #", "status": "done""#)
        try Self.card(repo, "B", dependsOn: ["A"])

        let result = try await repo.run(["--all"])

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(result.stdout.contains("skipping cards marked"), "\(result.stdout)")
        #expect(try Self.statuses(repo) == ["B": "approved"])
        #expect(!repo.hasMarker("start-A"))
    }

    @Test("a lone run of a card with depends_on: refused until the dependency's last outcome is approved")
    func loneRunWaitsForDependency() async throws {
        let repo = try await TestRepo.make()
        try repo.useAgents(worker: Self.timedWorker, reviewer: Self.timedApprove)
        try Self.card(repo, "A")
        try Self.card(repo, "B", dependsOn: ["A"])

        let refused = try await repo.run(["--task", ".loop/tasks/B.json"])
        #expect(refused.exitCode == 1, "\(refused.output)")
        #expect(refused.stderr.contains("Task B depends on A, not approved yet"), "\(refused.stderr)")
        #expect(!repo.hasMarker("start-B"))

        let a = try await repo.run(["--task", ".loop/tasks/A.json"])
        #expect(a.exitCode == 0, "\(a.output)")
        let b = try await repo.run(["--task", ".loop/tasks/B.json"])
        #expect(b.exitCode == 0, "\(b.output)")
    }

    @Test("a batch task whose card has lanes: its lanes run inside its own run folder and branch, next to a plain task")
    func batchTaskWithLanes() async throws {
        let repo = try await TestRepo.make()
        let worker = "if [ -n \"${LOOP_LANE_ID:-}\" ]; then\n\(LaneTests.laneWorker)\nelse\n\(Self.timedWorker)\nfi"
        try repo.useAgents(worker: worker, reviewer: Self.timedApprove)
        try Self.card(repo, "A")
        try Self.card(
            repo, "L", scope: "lanes/",
            extra: #", "lanes": [{"lane_id": "one", "owner_paths": ["lanes/one.txt"]}, {"lane_id": "two", "owner_paths": ["lanes/two.txt"]}]"#)
        let before = try await Self.checkout(repo)

        let result = try await repo.run(["--all", "--parallel", "2", "--max-parallel-workers", "2"], limit: .seconds(120))

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try Self.statuses(repo) == ["A": "approved", "L": "approved"])
        #expect(try await repo.git("show", "loop/L:lanes/one.txt") == "lane one round 1")
        #expect(try await repo.git("show", "loop/L:lanes/two.txt") == "lane two round 1")
        #expect(try await repo.git("show", "loop/A:A.txt") == "A round 1")
        // The lane reports are the task's own files: in its run folder, not at the bus root.
        let files = Bus(repo).files()
        #expect(files.contains { $0.hasPrefix("archive/L/") && $0.hasSuffix("_work_reports_one.json") }, "\(files)")
        #expect(!files.contains { $0.hasPrefix("work_reports/") }, "lane reports leaked to the shared bus folder: \(files)")
        #expect(try await Self.checkout(repo) == before)
    }

    /// `timedWorker`, held in task A's first dispatch until the test creates `release`.
    static let heldTimedWorker = #"""
        record "started-$LOOP_TASK_ID"
        if [ "$LOOP_TASK_ID" = A ]; then while [ ! -f "$STATE/release" ]; do sleep 0.05; done; fi
        """# + "\n" + timedWorker

    @Test("loop pause / continue on a batch: the running task holds after its step, no new task starts, continue finishes both")
    func pauseAndContinueBatch() async throws {
        let repo = try await TestRepo.make()
        try repo.useAgents(worker: Self.heldTimedWorker, reviewer: Self.timedApprove)
        try Self.card(repo, "A")
        try Self.card(repo, "B")
        let run = try await repo.start(["--all"], waitingFor: "started-A")

        let pause = try await repo.loop("pause")
        #expect(pause.exitCode == 0, "\(pause.output)")
        #expect(pause.stdout.contains("pausing batch"), "\(pause.stdout)")
        try repo.releaseWorker()
        try await eventually("task A held") { (try? Bus(repo).eventNames.contains("run_held")) == true }
        try await Task.sleep(for: .milliseconds(800))
        #expect(!repo.hasMarker("approved-A"), "A's reviewer ran while the batch was paused")
        #expect(!repo.hasMarker("started-B"), "B started while the batch was paused")

        let resume = try await repo.loop("continue")
        #expect(resume.exitCode == 0, "\(resume.output)")
        #expect(resume.stdout.contains("continuing batch"), "\(resume.stdout)")
        let result = try await run.wait()
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try Self.statuses(repo) == ["A": "approved", "B": "approved"])
        #expect(!Bus(repo).exists("control.json"), "the batch's request outlived the batch")
    }

    @Test("loop stop on a batch: the running task ends its round, no new task starts, exit 76; --resume finishes the rest")
    func stopBatchThenResume() async throws {
        let repo = try await TestRepo.make()
        try repo.useAgents(worker: Self.heldTimedWorker, reviewer: Self.timedApprove)
        try Self.card(repo, "A")
        try Self.card(repo, "B")
        let run = try await repo.start(["--all"], waitingFor: "started-A")

        let stop = try await repo.loop("stop")
        #expect(stop.exitCode == 0, "\(stop.output)")
        #expect(stop.stdout.contains("stopping batch"), "\(stop.stdout)")
        try repo.releaseWorker()
        let result = try await run.wait()
        #expect(result.exitCode == 76, "\(result.output)")
        #expect(try Self.statuses(repo) == ["A": "approved", "B": "pending"], "A finishes its round (approved), B never starts")
        #expect(!repo.hasMarker("started-B"))

        let resumed = try await repo.run(["--resume"])
        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try Self.statuses(repo) == ["A": "approved", "B": "approved"])
    }
}
