import Foundation
import LoopCore

/// What `loop pause`, `loop continue` and `loop stop` share: find what a live PM is running on
/// this bus — a single run, or a batch — and write `control.json` for it atomically.
///
/// A batch's request goes to the shared bus folder under the batch id; every task run of the
/// batch reads it (`RunControl`), and the batch PM starts no new task while it stands.
struct ControlRequestWriter {
    var paths: BusPaths

    /// What the request is for.
    enum Target {
        case run(RunState)
        case batch(BatchState)

        /// The id the request names (`run_id` in control.json).
        var id: String {
            switch self {
            case .run(let state): state.runID
            case .batch(let batch): batch.batchID
            }
        }

        /// How messages name it: "run <id>" or "batch <id>".
        var name: String {
            switch self {
            case .run(let state): "run \(state.runID)"
            case .batch(let batch): "batch \(batch.batchID)"
            }
        }
    }

    /// The run or batch in progress on this bus: a batch when its PM holds the lock and no
    /// single run is newer, else the single run.
    /// - Throws: `LoopError.config` (exit 1) when there is nothing running, it has ended, or no
    ///   PM is running it (a request would then wait for the next `loop run --resume` and surprise).
    func target() throws -> Target {
        let state = try RunState.load(from: paths.state)
        if let batch = try? BatchState.load(from: paths.batch), batch.finishedAt == nil,
            state.map({ $0.updatedAt < batch.updatedAt }) ?? true
        {
            guard FileLock.isHeld(at: paths.lock) else {
                throw LoopError.config(
                    "No PM is running batch \(batch.batchID) (the bus lock is free). Continue it with `\(paths.command("run --resume"))`."
                )
            }
            return .batch(batch)
        }
        guard let state else {
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
        return .run(state)
    }

    /// The request pending for the target, if any (another run's or batch's is not).
    func pending(for target: Target) -> ControlRequest.Action? {
        RunControl(paths: paths, runID: target.id).current()
    }

    func write(_ action: ControlRequest.Action, for target: Target) throws {
        try ControlRequest(action: action, runID: target.id).write(to: ControlRequest.path(paths))
    }
}
