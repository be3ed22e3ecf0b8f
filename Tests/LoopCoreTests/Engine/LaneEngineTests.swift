import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// The lane phase driven in process by a fake dispatcher, with a real git repository: what
/// each lane's dispatch is given, and resuming after a lane worker gave up.
struct LaneEngineTests {
    /// A harness whose card has lanes `a` (owns `a.txt`) and `b` (owns `docs`).
    func laneHarness(worker: [FakeTurn], reviewer: [FakeTurn]) throws -> EngineHarness {
        let harness = try EngineHarness(worker: worker, reviewer: reviewer)
        let card: [String: Any] = [
            "task_id": "t1", "goal": "two parts",
            "lanes": [
                ["lane_id": "a", "owner_paths": ["a.txt"]],
                ["lane_id": "b", "owner_paths": ["docs"], "acceptance_checks": ["docs/b.md exists"]],
            ],
        ]
        try JSONSerialization.data(withJSONObject: card).write(to: URL(fileURLWithPath: harness.paths.taskCard))
        return harness
    }

    @Test("each lane worker gets its lane, owner paths, worktree and report; the reviewer judges the merged branch")
    func laneDispatches() async throws {
        let harness = try laneHarness(
            worker: [.work(FakeWork(files: ["a.txt": "A\n"])), .work(FakeWork(files: ["docs/b.md": "B\n"]))],
            reviewer: [.review(.approve)])
        let state = try await harness.runToEnd()

        #expect(state.result == .approved)
        let workers = harness.dispatcher.received(.worker).map(\.request)
        #expect(workers.map(\.laneID) == ["a", "b"])
        #expect(workers.map(\.ownerPaths) == [["a.txt"], ["docs"]])
        #expect(workers[1].environment["LOOP_OWNER_PATHS"] == "docs")
        #expect(workers[0].workdir == harness.paths.laneWorktree(task: "t1", runID: state.runID, round: 1, lane: "a"))
        #expect(workers[1].reportPath == harness.paths.laneWorkReport("b"))
        #expect(workers[1].prompt.contains("=== LANE CONTEXT ===") && workers[1].prompt.contains("docs/b.md exists"))
        #expect(workers[1].prompt.contains(harness.paths.laneWorkReport("b")))
        let reviewer = try #require(harness.dispatcher.received(.reviewer).first?.request)
        #expect(reviewer.laneID == nil && reviewer.workdir == state.workdir)
        let record = try #require(state.rounds.first)
        #expect(record.filesChanged.sorted() == ["a.txt", "docs/b.md"])
        #expect(record.lanes?.map(\.status) == [.merged, .merged])
        let tip = try EngineHarness.git(["rev-parse", "refs/heads/\(state.branch)"], in: harness.repository)
        #expect(tip == state.headSHA)
    }

    @Test("a lane worker that gives up fails the round; --resume dispatches only that lane again and merges both")
    func resumeAfterLaneFailure() async throws {
        let harness = try laneHarness(
            worker: [
                .work(FakeWork(files: ["a.txt": "A\n"])), .crash(exitCode: 2),
                .work(FakeWork(files: ["docs/b.md": "B\n"])),
            ],
            reviewer: [.review(.approve)])
        try await harness.runController()
        let failed = try harness.state
        #expect(failed.phase == .failed, "\(failed.reason ?? "")")
        #expect(failed.currentRound.lanes?.map(\.status) == [.reported, .working])

        try await harness.runController(resume: true)
        let state = try harness.state

        #expect(state.result == .approved, "\(state.reason ?? "")")
        #expect(harness.dispatcher.received(.worker).map(\.request.laneID) == ["a", "b", "b"])
        #expect(state.currentRound.lanes?.map(\.status) == [.merged, .merged])
        #expect(try EngineHarness.git(["show", "\(state.branch):a.txt"], in: harness.repository) == "A")
    }
}
