import Foundation
import LoopCore
import Testing

/// The phase state machine on `RunState`: the only place a phase changes.
struct RunStateTransitionTests {
    func state() -> RunState {
        RunState(
            taskID: "t", runID: "r", maxRounds: 3, branch: "b", mode: "worktree", workdir: "/w", baseSHA: "base",
            taskPath: "/t.json", options: RunOptions())
    }

    @Test("a round moves working, verifying, reviewing, fixing, then the next round's working")
    func legalRound() throws {
        var state = state()
        try state.advance(to: .verifying)
        try state.advance(to: .reviewing)
        try state.advance(to: .fixing)
        try state.startNextRound()
        #expect(state.phase == .working && state.round == 2)
    }

    @Test("a phase cannot be skipped or repeated", arguments: [Phase.reviewing, .fixing, .working, .done])
    func illegalMoveThrows(next: Phase) {
        var state = state()
        #expect(throws: LoopError.self) { try state.advance(to: next) }
        #expect(state.phase == .working)
        #expect(throws: LoopError.self) { try state.startNextRound() }
    }

    @Test("a stop remembers where it stopped and keeps the first reason; finish does not")
    func stopAndFinish() throws {
        var state = state()
        try state.advance(to: .verifying)
        state.stop(.failed, reason: "first")
        state.stop(.failed, reason: "second")
        #expect(state.phase == .failed && state.stoppedIn == .verifying && state.reason == "first")
        #expect(state.finishedAt != nil)
        state.reopen(in: .verifying)
        #expect(state.phase == .verifying && state.result == nil && state.reason == nil && state.stoppedIn == nil)
        try state.advance(to: .reviewing)
        try state.advance(to: .fixing)
        state.finish(.exhausted, reason: "out of rounds")
        #expect(state.phase == .exhausted && state.stoppedIn == nil && state.reason == "out of rounds")
    }
}
