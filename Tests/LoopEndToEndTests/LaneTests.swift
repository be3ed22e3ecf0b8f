import Foundation
import LoopTestSupport
import Testing

/// loop-kit's lanes run by the real binary with scripted lane workers: each lane in its own
/// worktree and branch, merged into the task branch (never the user's checkout) in stage and
/// id order, with the card's conflict policy.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct LaneTests {
    /// A lane worker: saves its prompt, notes its start and end (nanoseconds, from its own
    /// clock), appends a line to its first owner path (and to `$STATE/extra_<lane>` paths, to
    /// step outside on purpose), sleeps `$STATE/sleep` seconds, and reports to its lane report.
    static let laneWorker = #"""
        lane="${LOOP_LANE_ID:?no lane}"
        attempt "dispatch_$lane" >/dev/null
        cat >"$STATE/prompt_$lane.txt"
        date +%s%N >"$STATE/start_$lane"
        [ -f "$STATE/sleep" ] && sleep "$(cat "$STATE/sleep")"
        first="$(printf '%s\n' "$LOOP_OWNER_PATHS" | head -n 1)"
        mkdir -p "$(dirname -- "$LOOP_WORKDIR/$first")"
        echo "lane $lane round $LOOP_ROUND" >>"$LOOP_WORKDIR/$first"
        if [ -f "$STATE/extra_$lane" ]; then
            while read -r path; do echo "lane $lane was here" >>"$LOOP_WORKDIR/$path"; done <"$STATE/extra_$lane"
        fi
        ls "$LOOP_WORKDIR" >"$STATE/saw_$lane"
        echo "$LOOP_WORKDIR" >"$STATE/workdir_$lane"
        echo "$LOOP_REPORT_PATH" >"$STATE/report_$lane"
        work_report
        date +%s%N >"$STATE/end_$lane"
        """#

    static func lanesCard(_ lanes: String, policy: String = "fail_fast", extra: String = "") -> String {
        #""lanes": [\#(lanes)], "lane_merge_conflict_policy": "\#(policy)""# + (extra.isEmpty ? "" : ", " + extra)
    }

    /// `<run>-r<N>`: the run part of lane branch and worktree names (`loop/T-1--<run>-r1--lane_a`).
    static func runRound(_ bus: Bus, round: Int = 1) throws -> String {
        let runID = try #require(bus.runID)
        return "\(runID.split(separator: "-").last ?? "")-r\(round)"
    }

    static func nanos(_ repo: TestRepo, _ name: String) throws -> Int {
        try #require(Int(try repo.read(repo.scratchFile(name)).trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// What the user's checkout looks like: status, HEAD, branch and every file's hash.
    static func checkoutPrint(_ repo: TestRepo) async throws -> String {
        let status = try await repo.git("status", "--porcelain", "--untracked-files=all", "--", ".", ":(exclude).loop")
        let head = try await repo.git("rev-parse", "HEAD")
        let branch = try await repo.git("branch", "--show-current")
        let hashes = try await repo.git("hash-object", "README.md", "user-notes.txt")
        return [status, head, branch, hashes].joined(separator: "\n")
    }

    @Test("two lanes of one stage run at the same time with --max-parallel-workers 2, and both changes land on the task branch")
    func twoLanesOverlap() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(
            extra: Self.lanesCard(
                #"{"lane_id": "lane_a", "owner_paths": ["a.txt"]}, {"lane_id": "lane_b", "owner_paths": ["docs/b.md"], "acceptance_checks": ["b.md names lane_b"]}"#
            ))
        try repo.useAgents(worker: Self.laneWorker)
        try repo.write(repo.scratchFile("sleep"), "1.5")
        try repo.write("user-notes.txt", "the user's own uncommitted notes\n")
        let before = try await Self.checkoutPrint(repo)
        let bus = Bus(repo)

        let result = try await repo.run(["--max-parallel-workers", "2"])

        #expect(result.exitCode == 0, "\(result.output)")
        // Overlap, from the agents' own clocks: each started before the other ended.
        let (startA, endA) = (try Self.nanos(repo, "start_lane_a"), try Self.nanos(repo, "end_lane_a"))
        let (startB, endB) = (try Self.nanos(repo, "start_lane_b"), try Self.nanos(repo, "end_lane_b"))
        #expect(startA < endB && startB < endA, "a: \(startA)–\(endA), b: \(startB)–\(endB)")
        #expect(try await repo.git("show", "loop/T-1:a.txt") == "lane lane_a round 1")
        #expect(try await repo.git("show", "loop/T-1:docs/b.md") == "lane lane_b round 1")
        // Merged in id order with merge commits on the task branch.
        let merges = try await repo.git("log", "--merges", "--format=%s", "loop/T-1")
        #expect(merges == "loop: merge lane lane_b (round 1)\nloop: merge lane lane_a (round 1)", "\(merges)")
        // Each lane worked in its own worktree (beside, not inside, the task worktree), wrote its own report.
        let workdirA = try repo.read(repo.scratchFile("workdir_lane_a")).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(workdirA.hasSuffix(".loop/worktrees/T-1.lanes/\(try Self.runRound(bus))/lane_a"), "\(workdirA)")
        #expect(try repo.read(repo.scratchFile("report_lane_b")).contains(".loop/work_reports/lane_b.json"))
        let prompt = try repo.read(repo.scratchFile("prompt_lane_b.txt"))
        #expect(prompt.contains("=== LANE CONTEXT ===") && prompt.contains("docs/b.md") && prompt.contains("b.md names lane_b"))
        // Worktrees are removed after a clean merge; reports, logs and archive entries are per lane.
        #expect(!FileManager.default.fileExists(atPath: workdirA))
        #expect(bus.exists("logs/T-1/r1_worker-lane_a.log") && bus.exists("logs/T-1/r1_worker-lane_b.log"))
        let runID = try #require(bus.runID)
        #expect(bus.exists("\(bus.archiveFolder(run: runID))/r1_work_reports_lane_a.json"))
        let lanes = try #require(try bus.rounds.first?["lanes"] as? [[String: Any]])
        #expect(lanes.map { $0["status"] as? String } == ["merged", "merged"])
        #expect(try await Self.checkoutPrint(repo) == before, "the user's checkout changed")
        // `loop status` shows each lane; `status --json` lists them under `lanes`.
        let status = try await repo.loop("status")
        #expect(status.stdout.contains("lane:     lane_a r1 stage 1 merged "), "\(status.output)")
        #expect(status.stdout.contains("· loop/T-1--\(try Self.runRound(bus))--lane_b"), "\(status.output)")
        let json = try await repo.loop("status", "--json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let listed = try #require(object["lanes"] as? [[String: Any]])
        #expect(listed.map { $0["lane_id"] as? String } == ["lane_a", "lane_b"])
    }

    @Test("a dependent lane starts after its dependency is merged, and sees its file")
    func dependentLaneAfterMerge() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(
            extra: Self.lanesCard(
                #"{"lane_id": "api", "owner_paths": ["api.txt"]}, {"lane_id": "client", "owner_paths": ["client.txt"], "depends_on": ["api"]}"#
            ))
        try repo.useAgents(worker: Self.laneWorker)
        let bus = Bus(repo)

        let result = try await repo.run(environment: ["LOOP_MAX_PARALLEL_WORKERS": "2"])

        #expect(result.exitCode == 0, "\(result.output)")
        let planned = try #require(try bus.events.first { $0["event"] as? String == "lanes_planned" })
        #expect(planned["max_parallel_workers"] as? Int == 2, "LOOP_MAX_PARALLEL_WORKERS was not read: \(planned)")
        #expect(try Self.nanos(repo, "start_client") > Self.nanos(repo, "end_api"))
        #expect(try repo.read(repo.scratchFile("saw_client")).contains("api.txt"), "the client lane did not see api.txt")
        let names = try bus.eventNames
        let merged = try #require(names.firstIndex(of: "lane_merged"))
        let clientStart = try bus.events.firstIndex { $0["event"] as? String == "lane_dispatch_started" && $0["lane_id"] as? String == "client" }
        #expect(merged < (clientStart ?? -1), "client dispatched before api merged")
    }

    /// Two lanes that both step outside their owner paths into `shared.txt`: a real conflict.
    func conflictRepo(policy: String) async throws -> TestRepo {
        let repo = try await TestRepo.make()
        try repo.writeCard(
            extra: Self.lanesCard(
                #"{"lane_id": "lane_a", "owner_paths": ["a.txt"]}, {"lane_id": "lane_b", "owner_paths": ["b.txt"]}, {"lane_id": "lane_c", "owner_paths": ["c.txt"]}"#,
                policy: policy))
        try repo.useAgents(worker: Self.laneWorker)
        try repo.write(repo.scratchFile("extra_lane_a"), "shared.txt\n")
        try repo.write(repo.scratchFile("extra_lane_b"), "shared.txt\n")
        try repo.write("user-notes.txt", "the user's own uncommitted notes\n")
        return repo
    }

    @Test("fail_fast: a conflict ends the round as failed, names the file, keeps every branch and leaves the checkout alone")
    func failFast() async throws {
        let repo = try await conflictRepo(policy: "fail_fast")
        let before = try await Self.checkoutPrint(repo)
        let bus = Bus(repo)

        let result = try await repo.run(["--max-parallel-workers", "3"])

        #expect(result.exitCode == 3, "\(result.output)")
        #expect(result.output.contains("lane lane_b does not merge into loop/T-1: conflict in shared.txt"), "\(result.output)")
        for lane in ["lane_a", "lane_b", "lane_c"] {
            #expect(try await repo.git("rev-parse", "--verify", "-q", "loop/T-1--\(try Self.runRound(bus))--\(lane)").count == 40)
        }
        // The task branch holds lane_a's merge only; no merge is left half done.
        #expect(try await repo.git("show", "loop/T-1:shared.txt") == "lane lane_a was here")
        #expect(try await repo.git(["status", "--porcelain"], in: "\(repo.loopDir)/worktrees/T-1").isEmpty)
        #expect(try bus.state["phase"] as? String == "failed")
        #expect(try await Self.checkoutPrint(repo) == before, "the user's checkout changed")

        // The user resolves it in lane_b's kept worktree (drops its shared.txt); --resume merges
        // lane_b again without dispatching any lane again.
        let laneB = "\(repo.loopDir)/worktrees/T-1.lanes/\(try Self.runRound(bus))/lane_b"
        try await repo.git(["rm", "-q", "shared.txt"], in: laneB)
        let resumed = try await repo.run(["--resume", "--max-rounds", "1"])

        #expect(resumed.exitCode == 2, "\(resumed.output)")  // lane_a still stepped outside its paths
        #expect(try await repo.git("show", "loop/T-1:b.txt") == "lane lane_b round 1")
        #expect(try await repo.git("show", "loop/T-1:c.txt") == "lane lane_c round 1")
        #expect(try await repo.git("show", "loop/T-1:shared.txt") == "lane lane_a was here")
        for lane in ["lane_a", "lane_b", "lane_c"] {
            #expect(try repo.read(repo.scratchFile("dispatch_\(lane).count")) == "1\n", "\(lane) dispatched again")
        }
        #expect(try await Self.checkoutPrint(repo) == before, "the user's checkout changed")
    }

    @Test("skip_lane: the conflicting lane's change is dropped this round and the fix list says so")
    func skipLane() async throws {
        let repo = try await conflictRepo(policy: "skip_lane")
        let before = try await Self.checkoutPrint(repo)

        let result = try await repo.run(["--max-parallel-workers", "2", "--max-rounds", "1"])

        #expect(result.exitCode == 2, "\(result.output)")
        let fixList = try repo.read(".loop/fix_list.json")
        #expect(fixList.contains("Lane lane_b's change was dropped this round"), "\(fixList)")
        #expect(try await repo.git("show", "loop/T-1:c.txt") == "lane lane_c round 1")
        #expect((try? await repo.git("show", "loop/T-1:b.txt")) == nil, "lane_b's change landed")
        #expect(try await Self.checkoutPrint(repo) == before, "the user's checkout changed")
    }

    @Test("defer_lane: the conflicting lane is retried after the other lanes of its stage, then dropped if it still conflicts")
    func deferLane() async throws {
        let repo = try await conflictRepo(policy: "defer_lane")
        let before = try await Self.checkoutPrint(repo)
        let bus = Bus(repo)

        let result = try await repo.run(["--max-rounds", "1"])

        #expect(result.exitCode == 2, "\(result.output)")
        let laneEvents = try bus.events.filter { ["lane_merged", "lane_deferred", "lane_skipped"].contains($0["event"] as? String) }
            .map { "\($0["event"] as? String ?? "") \($0["lane_id"] as? String ?? "")" }
        #expect(laneEvents == ["lane_merged lane_a", "lane_deferred lane_b", "lane_merged lane_c", "lane_skipped lane_b"], "\(laneEvents)")
        #expect(try await repo.git("show", "loop/T-1:c.txt") == "lane lane_c round 1")
        #expect(try await Self.checkoutPrint(repo) == before, "the user's checkout changed")
        // Something failed and lane_preserve_worktrees_on_failure defaults to true: the worktrees stay.
        let kept = "\(repo.loopDir)/worktrees/T-1.lanes/\(try Self.runRound(bus))/lane_b"
        #expect(FileManager.default.fileExists(atPath: "\(kept)/b.txt"))

        // A later run of the task gets lane worktrees and branches of its own: the kept ones stay as they were.
        let keptHead = try await repo.git(["rev-parse", "HEAD"], in: kept)
        let again = try await repo.run(["--max-rounds", "1"])
        #expect(again.exitCode == 2, "\(again.output)")
        let fresh = "\(repo.loopDir)/worktrees/T-1.lanes/\(try Self.runRound(bus))/lane_b"
        #expect(fresh != kept && FileManager.default.fileExists(atPath: "\(fresh)/b.txt"))
        #expect(try await repo.git(["rev-parse", "HEAD"], in: kept) == keptHead)
    }

    @Test("a lane's change outside its owner_paths blocks approval, and the fix list says so")
    func ownerPathViolation() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(extra: Self.lanesCard(#"{"lane_id": "lane_a", "owner_paths": ["src"]}"#))
        try repo.useAgents(worker: Self.laneWorker)
        try repo.write(repo.scratchFile("extra_lane_a"), "README.md\n")
        let bus = Bus(repo)

        let result = try await repo.run(["--max-rounds", "1"])

        #expect(result.exitCode == 2, "\(result.output)")
        #expect(try bus.rounds.first?["approved"] as? Bool == false)
        let fixList = try repo.read(".loop/fix_list.json")
        #expect(fixList.contains("Lane lane_a changed files outside its owner_paths (src): README.md"), "\(fixList)")
    }

    @Test("max_parallel_workers from config.yaml is used, and a value below 1 is refused before anything starts")
    func maxParallelWorkersOption() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(extra: Self.lanesCard(#"{"lane_id": "lane_a", "owner_paths": ["a.txt"]}"#))
        try repo.useAgents(worker: Self.laneWorker)
        try repo.setOption("max_parallel_workers", "3")
        let bus = Bus(repo)

        let refused = try await repo.run(["--max-parallel-workers", "0"])
        #expect(refused.exitCode == 1, "\(refused.output)")
        #expect(refused.output.contains("max_parallel_workers must be at least 1"), "\(refused.output)")
        #expect(!repo.hasMarker("start_lane_a"))

        let result = try await repo.run()
        #expect(result.exitCode == 0, "\(result.output)")
        let planned = try #require(try bus.events.first { $0["event"] as? String == "lanes_planned" })
        #expect(planned["max_parallel_workers"] as? Int == 3, "\(planned)")
    }

    @Test("--in-place with a lane card is refused in one line before anything starts")
    func inPlaceRefused() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(extra: Self.lanesCard(#"{"lane_id": "lane_a", "owner_paths": ["src"]}"#))
        try repo.useAgents(worker: Self.laneWorker)

        let result = try await repo.run(["--in-place"])

        #expect(result.exitCode == 1, "\(result.output)")
        #expect(result.errorLines.count == 1, "\(result.errorLines)")
        #expect(result.output.contains("lanes, which merge into a task branch, never into your checkout"))
        #expect(!repo.hasMarker("start_lane_a"))
    }

    /// loop-kit's README card with its lane (`lane_core`, owning `src/loop_kit/orchestrator.py`,
    /// preferring codex), minus the task-level `depends_on` (task dependencies are another part).
    @Test("loop-kit's own example card with a lane runs unchanged; an unavailable backend_preference falls back to the worker backend")
    func loopKitExampleCard() async throws {
        let repo = try await TestRepo.make()
        try repo.write(
            ".loop/task_card.json",
            #"""
            {
              "task_id": "T-001",
              "status": "todo",
              "goal": "One-sentence goal",
              "in_scope": ["file or module"],
              "out_of_scope": [],
              "acceptance_criteria": ["measurable criterion"],
              "lanes": [
                {
                  "lane_id": "lane_core",
                  "owner_paths": ["src/loop_kit/orchestrator.py"],
                  "depends_on": [],
                  "backend_preference": "codex",
                  "acceptance_checks": ["unit tests pass for lane-owned files"]
                }
              ],
              "constraints": []
            }
            """#)
        try repo.useAgents(worker: Self.laneWorker)

        let result = try await repo.run()

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try await repo.git("show", "loop/T-001:src/loop_kit/orchestrator.py") == "lane lane_core round 1")
        #expect(result.output.contains("lane lane_core: backend_preference codex cannot run"), "\(result.output)")
    }

    /// Points of the lane phase, each hit once in a one-round run of two lanes one after another.
    static let crashPoints = [
        "state.lanes_planned",
        "state.lane_worktree_ready",
        "state.lane_dispatch_started",  // lane_a's dispatch, before its agent starts
        "state.lane_dispatch_finished",  // lane_a's agent exited, its report is on the bus
        "state.lane_reported",
        "state.lane_dispatch_started@2",  // lane_b's
        "state.lane_committed",  // lane_a's leftovers committed on its branch, not merged
        "state.lane_merged",  // lane_a merged into the task branch
        "state.lane_merged@2",
        "state.worker_finished",
        "state.lane_review_started",  // lane_a's own review (lane_review_parallel), before its reviewer starts
        "state.lane_review_finished",  // lane_a's reviewer exited, its review is on the bus
        "state.lane_reviewed@2",  // both lane reviews decided, the merged review not started
    ]

    @Test("SIGKILL at a point of the lane phase or a lane review, then --resume: approved, no lane redone, each change merged once", arguments: crashPoints)
    func crashThenResume(point: String) async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(
            extra: Self.lanesCard(
                #"{"lane_id": "lane_a", "owner_paths": ["a.txt"]}, {"lane_id": "lane_b", "owner_paths": ["b.txt"]}"#,
                extra: #""lane_review_parallel": true"#))
        try repo.useAgents(worker: Self.laneWorker, reviewer: Self.laneReviewer)
        let bus = Bus(repo)

        let crashed = try await repo.run(environment: ["LOOP_TESTING": "1", "LOOP_FAULT": point])

        #expect(crashed.exitCode != 0, "\(point): the fault did not fire: \(crashed.output)")
        #expect(bus.tornFiles().isEmpty, "\(point): torn \(bus.tornFiles())")
        let resumed = try await repo.run(["--resume"])

        #expect(resumed.exitCode == 0, "\(point): \(resumed.output)")
        #expect(try bus.outcome["result"] as? String == "approved", "\(point)")
        for lane in ["lane_a", "lane_b"] {
            #expect(try repo.read(repo.scratchFile("dispatch_\(lane).count")) == "1\n", "\(point): \(lane) dispatched again")
        }
        #expect(try await repo.git("show", "loop/T-1:a.txt") == "lane lane_a round 1", "\(point)")
        #expect(try await repo.git("show", "loop/T-1:b.txt") == "lane lane_b round 1", "\(point)")
        #expect(try await repo.git("rev-list", "--merges", "--count", "main..loop/T-1") == "2", "\(point): merged twice")
        let lanes = try #require(try bus.rounds.first?["lanes"] as? [[String: Any]])
        #expect(lanes.map { $0["review_decision"] as? String } == ["approve", "approve"], "\(point)")
        #expect(bus.tempLeftovers().isEmpty, "\(point): temp files left: \(bus.tempLeftovers())")
    }

    @Test("the README's lane card runs to approval: two lanes at once, the dependent lane after its dependency's merge")
    func readmeLaneCard() async throws {
        let text = try ReadmeRuns.readme()
        let card = try #require(
            try ReadmeRuns.blocks("json", under: "## Lanes: parallel workers inside one task", in: text).first)
        let repo = try await TestRepo.make()
        try repo.write("test.sh", "test -s lib && test -s docs/greet.md && test -s bin/greet\n")
        try await repo.git("add", "test.sh")
        try await repo.git("commit", "-q", "-m", "test.sh")
        try repo.write(".loop/task_card.json", card)
        try repo.useAgents(worker: Self.laneWorker)

        let result = try await repo.run(["--max-parallel-workers", "2"])

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try Self.nanos(repo, "start_cli") > Self.nanos(repo, "end_lib"))
        #expect(try repo.read(repo.scratchFile("saw_cli")).contains("lib"))
        #expect(try await repo.git("show", "loop/greet-api:bin/greet") == "lane cli round 1")
    }

    /// A reviewer that, for a lane review, keeps the lane's request and requires changes of
    /// lanes listed in `$STATE/reject`; it approves the task's merged review.
    static let laneReviewer = #"""
        cat >/dev/null
        if [ -n "${LOOP_LANE_ID:-}" ]; then
            cp "$LOOP_REVIEW_REQUEST" "$STATE/request_$LOOP_LANE_ID.json"
            if grep -qx "$LOOP_LANE_ID" "$STATE/reject" 2>/dev/null; then
                review_report changes_required "$(issue "REVIEW-4411 $LOOP_LANE_ID needs a test")"
                exit 0
            fi
        else
            record merged_review
        fi
        review_report approve
        """#

    @Test("lane_review_parallel: each lane is reviewed on its own diff, and a lane review's blocking issue blocks approval")
    func laneReviewParallel() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(
            extra: Self.lanesCard(
                #"{"lane_id": "lane_a", "owner_paths": ["a.txt"]}, {"lane_id": "lane_b", "owner_paths": ["b.txt"], "acceptance_checks": ["b has a line"]}"#,
                extra: #""lane_review_parallel": true"#))
        try repo.useAgents(worker: Self.laneWorker, reviewer: Self.laneReviewer)
        try repo.write(repo.scratchFile("reject"), "lane_b\n")
        let bus = Bus(repo)

        let result = try await repo.run(["--max-rounds", "1", "--max-parallel-workers", "2"])

        #expect(result.exitCode == 2, "\(result.output)")
        let request = try bus.object(repo.scratchFile("request_lane_b.json"))
        #expect(request["lane_id"] as? String == "lane_b")
        #expect(request["lane_owner_paths"] as? [String] == ["b.txt"])
        #expect(request["lane_acceptance_checks"] as? [String] == ["b has a line"])
        let diff = try #require(request["diff"] as? String)
        #expect(diff.contains("b.txt") && !diff.contains("a.txt"), "\(diff)")
        #expect(repo.hasMarker("merged_review"), "the merged diff was not reviewed")
        let fixList = try repo.read(".loop/fix_list.json")
        #expect(fixList.contains("Lane lane_b review: REVIEW-4411 lane_b needs a test"), "\(fixList)")
        #expect(!fixList.contains("Lane lane_a review"))
        let runID = try #require(bus.runID)
        #expect(bus.exists("\(bus.archiveFolder(run: runID))/r1_review_reports_lane_b.json"))

        // Both lanes approved: the round is approved.
        let second = try await TestRepo.make()
        try second.writeCard(
            extra: Self.lanesCard(
                #"{"lane_id": "lane_a", "owner_paths": ["a.txt"]}, {"lane_id": "lane_b", "owner_paths": ["b.txt"]}"#,
                extra: #""lane_review_parallel": true"#))
        try second.useAgents(worker: Self.laneWorker, reviewer: Self.laneReviewer)
        let approved = try await second.run(["--max-parallel-workers", "2"])
        #expect(approved.exitCode == 0, "\(approved.output)")
        #expect(second.hasMarker("request_lane_a.json") && second.hasMarker("request_lane_b.json"))
    }
}
