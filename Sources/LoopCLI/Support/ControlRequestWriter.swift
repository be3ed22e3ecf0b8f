import Foundation
import LoopCore

/// What `loop pause`, `loop continue` and `loop stop` share: find the run a live PM is
/// running on this bus, and write `control.json` for it atomically.
struct ControlRequestWriter {
    var paths: BusPaths

    /// The run in progress on this bus.
    /// - Throws: `LoopError.config` (exit 1) when there is no run, it has ended, or no PM is
    ///   running it (a request would then wait for the next `loop run --resume` and surprise).
    func runningState() throws -> RunState {
        guard let state = try RunState.load(from: paths.state) else {
            throw LoopError.config(
                "No run on this bus (\(paths.display(paths.state)) is missing). Start one with `loop run`.")
        }
        if let result = state.result {
            throw LoopError.config(
                "Run \(state.runID) is not running (it ended \(result.rawValue)); nothing to steer. `\(paths.command("status"))` shows it."
            )
        }
        guard FileLock.isHeld(at: paths.lock) else {
            throw LoopError.config(
                "No PM is running run \(state.runID) (the bus lock is free). Continue it with `\(paths.command("run --resume"))`."
            )
        }
        return state
    }

    /// The request pending for `state`'s run, if any (another run's is not).
    func pending(for state: RunState) -> ControlRequest.Action? {
        RunControl(paths: paths, runID: state.runID).current()
    }

    func write(_ action: ControlRequest.Action, for state: RunState) throws {
        try ControlRequest(action: action, runID: state.runID).write(to: ControlRequest.path(paths))
    }
}
