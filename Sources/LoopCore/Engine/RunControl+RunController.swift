import Foundation

extension RunController {
    /// Says once, at the start of the outer loop, that a `control.json` left for another run
    /// (a PM that died before reading it) is ignored.
    func reportStaleControlRequest(_ state: RunState) {
        guard let stale = RunControl(paths: paths, runID: state.runID).staleRequest() else { return }
        console.warn(
            "ignoring \(paths.display(ControlRequest.path(paths))): its \(stale.action.rawValue) is for run \(stale.runID), not this run \(state.runID)"
        )
        EventLog(path: paths.events, taskID: state.taskID, runID: state.runID).record(
            "control_ignored", round: state.round,
            ["action": .string(stale.action.rawValue), "for_run_id": .string(stale.runID)])
    }

    /// The outer loop's safe point, between rounds: waits while the run is paused (the PM keeps
    /// the lock and sleeps), and says whether `loop stop` asked the run to end now.
    /// - Parameter signalled: true once SIGINT/SIGTERM arrived; a wait ends at once then.
    func isStopRequestedBetweenRounds(_ state: RunState, signalled: () -> Bool) async -> Bool {
        let control = RunControl(paths: paths, runID: state.runID)
        let events = EventLog(path: paths.events, taskID: state.taskID, runID: state.runID)
        if control.current() == .pause {
            console.info(
                "paused by `loop pause` before round \(state.round); `loop continue` goes on, `loop stop` ends the run")
            events.record("run_held", round: state.round, ["phase": .string(state.phase.rawValue)])
            while control.current() == .pause, !signalled() {
                try? await Task.sleep(for: control.pollInterval)
            }
            if !signalled(), control.current() != .stop {
                console.info("continuing with round \(state.round)")
                events.record("run_continued", round: state.round, ["phase": .string(state.phase.rawValue)])
            }
        }
        return !signalled() && control.isStopRequested
    }

    /// Ends the run between rounds as `stopped`: state saved (resumable where it stands), the
    /// request consumed, the outcome written with exit code 76.
    func stopBetweenRounds(_ state: inout RunState) -> LoopExitCode {
        let control = RunControl(paths: paths, runID: state.runID)
        let phase = state.phase
        state.stop(.stopped, reason: RunControl.stopReason)
        do {
            try state.save(to: paths.state)
        } catch {
            console.warn("could not save state: \(error.localizedDescription)")
        }
        control.consume()
        EventLog(path: paths.events, taskID: state.taskID, runID: state.runID).record(
            "run_stopped", round: state.round,
            ["while": .string(phase.rawValue), "phase": .string(state.phase.rawValue)])
        return finish(state, result: .stopped, code: .stopped)
    }
}
