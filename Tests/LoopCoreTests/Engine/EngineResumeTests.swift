import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// Resume points: a run saved in any phase is continued by a fresh engine from `state.json`
/// alone, as a new round subprocess would.
struct EngineResumeTests {
    @Test("a signal during the review stops the run as interrupted in reviewing; --resume finishes it")
    func interruptedReviewResumes() async throws {
        let harness = try EngineHarness(
            worker: [.work(FakeWork(files: ["a.txt": "1\n"]))], reviewer: [.cancelled, .review(.approve)])
        let code = try await harness.runController()
        #expect(code == .interrupted)
        var state = try harness.state
        #expect(state.phase == .interrupted && state.result == .interrupted)
        #expect(state.stoppedIn == .reviewing)
        #expect(state.reason == "interrupted by SIGINT while reviewing (round 1)")
        try await harness.runController(resume: true)
        state = try harness.state
        #expect(state.result == .approved && state.round == 1)
        #expect(harness.dispatcher.received(.worker).count == 1)
    }

    @Test("state saved in a phase is continued there by a new engine", arguments: ["working", "verifying", "reviewing"])
    func resumeMidRound(phase: String) async throws {
        let harness = try EngineHarness(
            verify: ["test -f a.txt"], worker: [.work(FakeWork(files: ["a.txt": "1\n"]))],
            reviewer: [.cancelled, .review(.approve)])
        try await harness.runController()
        // As a PM killed in `phase` leaves it: the round's records so far, no stop recorded.
        try harness.editState { object in
            object["phase"] = phase
            for key in ["stopped_in", "result", "reason", "finished_at"] { object.removeValue(forKey: key) }
        }
        try await harness.runRound()
        let state = try harness.state
        #expect(state.phase == .done && state.result == .approved)
        #expect(state.round == 1)
        #expect(state.rounds.first?.verifyPassed == true)
        // The worker's report for its dispatch is still valid: a resumed round never re-dispatches it.
        #expect(harness.dispatcher.received(.worker).count == 1)
    }

    @Test("state saved in fixing ends the round and the next round starts working")
    func resumeInFixing() async throws {
        let harness = try EngineHarness(
            worker: [.work(FakeWork(files: ["a.txt": "1\n"])), .work(FakeWork(files: ["a.txt": "2\n"]))],
            reviewer: [.review(.changesRequired("say 2")), .review(.approve)])
        try await harness.runController()
        #expect(try harness.state.round == 2)
        // Back to the moment after round 1's decision was saved, before the round was finished.
        try harness.editState { object in
            object["phase"] = "fixing"
            object["round"] = 1
        }
        try await harness.runRound()
        #expect(try harness.state.phase == .working)
        #expect(try harness.state.round == 2)
        try await harness.runRound()
        let state = try harness.state
        #expect(state.result == .approved && state.round == 2)
        #expect(harness.dispatcher.received(.worker).last?.fixList?.contains("say 2") == true)
    }
}
