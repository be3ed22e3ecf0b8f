#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// `--max-duration` is a wall: a worker, reviewer or verify command still running when the
/// budget runs out is ended, the run stops `exhausted` (exit 2) in that phase without a retry,
/// and `--resume` redoes the step that was cut. The budget counts the time the run ran, so a
/// resume after a long stop is not over budget at once.
///
/// The bounds on how long a run took are functional, not benchmarks: the cut agent or command
/// would sleep 120 s, so a run that returns well before that was cut.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct DurationBudgetTests {
    /// Sleeps 120 s on its first call (recording its pid and a grandchild's), then approves.
    static let slowReviewerOnce = """
        if [ "$(attempt reviewer)" -eq 1 ]; then
            record reviewer.pid "$$"
            ( record reviewer-grandchild.pid "$BASHPID"; exec sleep 120 ) &
            sleep 120 &
            wait
            exit 1
        fi
        keep_prompt
        review_report approve
        """

    /// Passes at the base (no "round 1" line in work.txt yet); after round 1's change its first
    /// run sleeps 120 s, later runs pass.
    static let slowVerifyOnce =
        #"grep -q "round 1" work.txt 2>/dev/null || exit 0; [ -f .slept ] && exit 0; touch .slept; sleep 120"#

    private func events(_ bus: Bus, _ name: String) throws -> [[String: Any]] {
        try bus.events.filter { $0["event"] as? String == name }
    }

    private func dispatches(_ bus: Bus, role: String) throws -> Int {
        try events(bus, "dispatch_started").filter { $0["role"] as? String == role }.count
    }

    /// What every cut run shows: exit 2 well before the 120 s sleep ended, `exhausted` with the
    /// duration reason in state, outcome and events, stopped in `phase`, no failed dispatch.
    private func expectCut(
        _ result: LoopResult, _ bus: Bus, budget: Int, cut: String, phase: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(result.exitCode == 2, "\(result.output)", sourceLocation: sourceLocation)
        #expect(
            result.seconds < 60, "the run waited \(result.seconds) s: nothing was cut", sourceLocation: sourceLocation)
        let state = try bus.state
        let reason = try #require(state["reason"] as? String, sourceLocation: sourceLocation)
        #expect(
            reason.hasPrefix("duration budget of \(budget) s reached (ran "), "\(reason)",
            sourceLocation: sourceLocation)
        #expect(state["phase"] as? String == "exhausted", sourceLocation: sourceLocation)
        #expect(state["stopped_in"] as? String == phase, sourceLocation: sourceLocation)
        let outcome = try bus.outcome
        #expect(outcome["result"] as? String == "exhausted", sourceLocation: sourceLocation)
        #expect(outcome["exit_code"] as? Int == 2, sourceLocation: sourceLocation)
        #expect(outcome["reason"] as? String == reason, sourceLocation: sourceLocation)
        let exhausted = try events(bus, "run_exhausted")
        #expect(exhausted.count == 1, sourceLocation: sourceLocation)
        #expect(exhausted.first?["cut"] as? String == cut, "\(exhausted)", sourceLocation: sourceLocation)
        #expect(exhausted.first?["reason"] as? String == reason, sourceLocation: sourceLocation)
        #expect(
            try events(bus, "dispatch_failed").isEmpty, "a budget cut is not a failed dispatch",
            sourceLocation: sourceLocation)
        #expect(try events(bus, "round_failed").isEmpty, sourceLocation: sourceLocation)
    }

    @Test("a worker still running at --max-duration is ended: exhausted, exit 2, no retry, its group gone; --resume without the budget redoes it and approves")
    func workerCut() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: AgentScript.hangOnFirstCall(seconds: 120))
        let bus = Bus(repo)

        let cut = try await repo.run(["--max-duration", "3"])

        try expectCut(cut, bus, budget: 3, cut: "worker", phase: "working")
        #expect(try repo.read(repo.scratchFile("worker.count")) == "1\n", "the cut worker was dispatched again")
        #expect(try dispatches(bus, role: "worker") == 1)
        #expect(!ProcessControl.isAlive(try repo.recordedPID("agent.pid")), "the cut worker still runs")
        #expect(!ProcessControl.isAlive(try repo.recordedPID("grandchild.pid")), "the cut worker's child still runs")
        #expect(!repo.hasMarker("reviewer_prompt_r1.txt"))

        let resumed = try await repo.run(["--resume", "--max-duration", "0"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try bus.outcome["result"] as? String == "approved")
        #expect(try bus.rounds.count == 1, "the same round goes on")
        #expect(try repo.read(repo.scratchFile("worker.count")) == "2\n", "resume dispatches the cut worker again")
        let worker = try #require(try bus.rounds.first?["worker"] as? [String: Any])
        #expect(worker["attempt"] as? Int == 2, "\(worker)")
    }

    @Test("the wait for a worker's report ends at --max-duration too: exhausted, no failed dispatch; --resume dispatches again")
    func reportWaitCut() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        // First call: changes work.txt and exits 0 without a report, so the PM waits for one.
        try repo.useAgents(
            worker: """
                if [ "$(attempt worker)" -eq 1 ]; then change; exit 0; fi
                change
                work_report
                """)
        let bus = Bus(repo)

        let cut = try await repo.run(["--max-duration", "3", "--artifact-timeout", "100"])

        try expectCut(cut, bus, budget: 3, cut: "worker", phase: "working")
        #expect(try repo.read(repo.scratchFile("worker.count")) == "1\n")

        let resumed = try await repo.run(["--resume", "--max-duration", "0"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try bus.outcome["result"] as? String == "approved")
        #expect(try repo.read(repo.scratchFile("worker.count")) == "2\n")
    }

    @Test("a reviewer still running at --max-duration is ended: exhausted in reviewing, exit 2; --resume reviews again and approves without a new worker")
    func reviewerCut() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(reviewer: Self.slowReviewerOnce)
        let bus = Bus(repo)

        let cut = try await repo.run(["--max-duration", "10"])

        try expectCut(cut, bus, budget: 10, cut: "reviewer", phase: "reviewing")
        #expect(try repo.read(repo.scratchFile("reviewer.count")) == "1\n", "the cut reviewer was dispatched again")
        #expect(try dispatches(bus, role: "reviewer") == 1)
        #expect(!ProcessControl.isAlive(try repo.recordedPID("reviewer.pid")), "the cut reviewer still runs")
        #expect(!ProcessControl.isAlive(try repo.recordedPID("reviewer-grandchild.pid")))

        let resumed = try await repo.run(["--resume", "--max-duration", "0"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try bus.outcome["result"] as? String == "approved")
        #expect(try bus.rounds.count == 1)
        #expect(try dispatches(bus, role: "worker") == 1, "the worker's turn is not redone")
        #expect(try repo.read(repo.scratchFile("reviewer.count")) == "2\n")
    }

    @Test("a verify command still running at --max-duration is ended: exhausted in verifying, exit 2, nothing left running; --resume verifies again and approves")
    func verifyCut() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(verify: [Self.slowVerifyOnce])
        try repo.useAgents()
        let bus = Bus(repo)

        let cut = try await repo.run(["--max-duration", "10"])

        try expectCut(cut, bus, budget: 10, cut: "verify", phase: "verifying")
        let runID = try #require(bus.runID)
        let left = ProcessControl.processes(withEnvironment: "LOOP_RUN_ID", value: "\(runID).r1.verify")
        #expect(left.isEmpty, "the cut verify command still runs: \(left.map(\.pid))")
        #expect(!repo.hasMarker("reviewer_prompt_r1.txt"), "no review of an unverified round")

        let resumed = try await repo.run(["--resume", "--max-duration", "0"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try bus.outcome["result"] as? String == "approved")
        #expect(try bus.rounds.first?["verify_passed"] as? Bool == true)
        #expect(try dispatches(bus, role: "worker") == 1, "the worker's turn is not redone")
    }

    @Test("lane workers still running at --max-duration are ended: exhausted in working, exit 2, no retry; --resume dispatches the lanes again and approves")
    func laneWorkersCut() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(
            extra: LaneTests.lanesCard(
                #"{"lane_id": "lane_a", "owner_paths": ["a.txt"]}, {"lane_id": "lane_b", "owner_paths": ["b.txt"]}"#))
        try repo.useAgents(worker: LaneTests.laneWorker)
        try repo.write(repo.scratchFile("sleep"), "120")
        let bus = Bus(repo)

        let cut = try await repo.run(["--max-duration", "5", "--max-parallel-workers", "2"])

        #expect(cut.exitCode == 2, "\(cut.output)")
        #expect(cut.seconds < 60, "the run waited \(cut.seconds) s: nothing was cut")
        #expect(try (bus.state["reason"] as? String)?.hasPrefix("duration budget of 5 s reached") == true)
        #expect(try bus.state["stopped_in"] as? String == "working")
        let exhausted = try events(bus, "run_exhausted")
        #expect((exhausted.first?["cut"] as? String)?.hasPrefix("worker lane_") == true, "\(exhausted)")
        #expect(try events(bus, "dispatch_failed").isEmpty)
        for lane in ["lane_a", "lane_b"] {
            #expect(try repo.read(repo.scratchFile("dispatch_\(lane).count")) == "1\n", "\(lane) was dispatched again")
        }

        try FileManager.default.removeItem(atPath: repo.scratchFile("sleep"))
        let resumed = try await repo.run(["--resume", "--max-duration", "0"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try bus.outcome["result"] as? String == "approved")
        #expect(try await repo.git("show", "loop/T-1:a.txt") == "lane lane_a round 1")
        #expect(try await repo.git("show", "loop/T-1:b.txt") == "lane lane_b round 1")
    }

    @Test("a run interrupted and resumed ten hours later is not over its budget: --max-duration counts the time it ran")
    func resumeAfterLongStop() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: AgentScript.hangOnFirstCall(seconds: 120))
        let bus = Bus(repo)
        let first = try await repo.start(["--max-duration", "60"], waitingFor: "ready")
        try await first.send(SIGTERM)
        let stopped = try await first.wait()
        #expect(stopped.exitCode == 143, "\(stopped.output)")
        // The night: every time the run recorded moves ten hours back.
        var state = try bus.state
        for key in ["started_at", "updated_at"] {
            let text = try #require(state[key] as? String)
            let date = try #require(Timestamp.parse(text))
            state[key] = Timestamp.format(date.addingTimeInterval(-36_000))
        }
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: bus.path("state.json")))

        let resumed = try await repo.run(["--resume"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try bus.outcome["result"] as? String == "approved")
        let after = try bus.state
        let active = try #require(after["active_s"] as? Double)
        #expect(active < 60, "the stopped hours were counted: \(active) s")
        #expect(after["resumed_at"] is String)
    }
}
