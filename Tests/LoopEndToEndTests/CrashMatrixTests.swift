import Foundation
import LoopTestSupport
import Testing

/// The PM killed with SIGKILL at exact points of a round (the binary's test-only
/// `LOOP_FAULT`), then resumed: no torn file, no temp file left, no work done twice.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct CrashMatrixTests {
    /// Points in the round subprocess; each is hit once in a one-round approved run.
    static let points = [
        "state.round_started",
        "state.dispatch_started",  // the worker's dispatch, before the agent starts
        "state.dispatch_finished",  // the worker exited, its report is on the bus, nothing committed yet
        "state.worker_finished",  // the PM has committed
        "state.verify_finished",
        "state.dispatch_started@2",  // the reviewer's dispatch
        "state.dispatch_finished@2",  // the reviewer exited, its approval is on the bus, not yet read
        "state.round_decided",
        "write.after_temp:state.json@3",
        "write.before_temp:review_request.json",
        "write.after_temp:review_request.json",
        "write.after_rename:verify.json",
    ]

    @Test("SIGKILL at a point of the round, then --resume: approved, one commit, every JSON parses", arguments: points)
    func crashThenResume(point: String) async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(verify: ["test -f work.txt"])
        try repo.useAgents()
        let bus = Bus(repo)

        let crashed = try await repo.run(environment: ["LOOP_TESTING": "1", "LOOP_FAULT": point])

        #expect(crashed.exitCode != 0, "\(point): the fault did not fire: \(crashed.output)")
        #expect(bus.tornFiles().isEmpty, "\(point): torn \(bus.tornFiles())")
        let runID = try #require(try bus.state["run_id"] as? String, "\(point)")

        let resumed = try await repo.run(["--resume"])

        #expect(resumed.exitCode == 0, "\(point): \(resumed.output)")
        #expect(try bus.outcome["result"] as? String == "approved", "\(point)")
        #expect(try bus.outcome["run_id"] as? String == runID, "\(point): --resume continues the run")
        #expect(try await repo.git("rev-list", "--count", "main..loop/T-1") == "1", "\(point): work done twice")
        #expect(try await repo.git("show", "loop/T-1:work.txt") == "round 1", "\(point)")
        #expect(bus.tornFiles().isEmpty, "\(point): torn \(bus.tornFiles())")
        #expect(bus.tempLeftovers().isEmpty, "\(point): temp files left: \(bus.tempLeftovers())")
    }

    @Test("LOOP_FAULT is ignored without LOOP_TESTING=1, so a stray variable cannot hurt a run")
    func faultNeedsTestingFlag() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()

        let result = try await repo.run(environment: ["LOOP_FAULT": "state.round_started"])

        #expect(result.exitCode == 0, "\(result.output)")
    }
}
