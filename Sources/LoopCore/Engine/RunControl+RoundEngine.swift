import Foundation

extension RoundEngine {
    /// The engine's safe point for `loop pause` / `loop stop`, called between phases: the
    /// dispatch or verify run in flight has finished and its result is saved.
    ///
    /// A pause waits here (the round subprocess sleeps, polling `control.json`); `loop stop`
    /// during a pause stops the run at once, saved as `stopped` in the phase it was in, so
    /// `loop run --resume` continues there. A `stop` that is not preceded by a pause waits for
    /// the round's end (the PM's outer loop acts on it).
    /// - Returns: true when the run was stopped here.
    /// - Throws: `CancellationError` when a signal ends the wait.
    func honourControlRequest() async throws -> Bool {
        let control = RunControl(paths: paths, runID: state.runID)
        let phase = state.phase
        let round = state.round
        let decision = try await control.holdIfPaused(
            onPause: {
                console.info(
                    "round \(round) · paused by `loop pause` before \(phase.rawValue); `loop continue` goes on, `loop stop` ends the run"
                )
                events.record("run_held", round: round, ["phase": .string(phase.rawValue)])
            },
            onContinue: {
                console.info("round \(round) · continuing (\(phase.rawValue))")
                events.record("run_continued", round: round, ["phase": .string(phase.rawValue)])
            })
        guard decision == .stopNow else { return false }
        stopAsRequested(while: "paused")
        return true
    }

    /// Ends the run as `loop stop` asked, mid-round: the request consumed, the state saved as
    /// `stopped` in the phase it is in (so `--resume` goes on there), the event recorded.
    func stopAsRequested(while waiting: String) {
        let phase = state.phase
        RunControl(paths: paths, runID: state.runID).consume()
        state.limitUntil = nil
        state.limitMessage = nil
        state.stop(.stopped, reason: RunControl.stopReason)
        persist("run_stopped", ["while": .string(phase.rawValue)])
        console.info("round \(state.round) · stopped by `loop stop` while \(waiting)")
    }
}
