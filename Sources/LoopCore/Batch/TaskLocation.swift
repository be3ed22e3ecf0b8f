import Foundation

/// Where one task's run keeps its files: the bus folder for a single `loop run`, or its run
/// folder `batch/<task_id>/` in a batch (see `BusPaths.batchRun`).
package struct TaskLocation: Sendable {
    package enum Source: String, Codable, Sendable {
        /// The single run of the bus (`state.json` in the bus folder).
        case run
        /// A task of the bus's last batch (`batch.json`).
        case batch
    }

    package var taskID: String
    package var source: Source
    /// The paths of this task's run (its own files in `root`, the shared ones in `shared`).
    package var paths: BusPaths
    /// The run's state; nil for a batch task that has not started.
    package var state: RunState?
    /// The batch's entry for the task, when it is part of the batch.
    package var batchEntry: BatchState.Entry?

    package init(taskID: String, source: Source, paths: BusPaths, state: RunState?, batchEntry: BatchState.Entry?) {
        self.taskID = taskID
        self.source = source
        self.paths = paths
        self.state = state
        self.batchEntry = batchEntry
    }

    /// Every task the bus knows now: the single run (when `state.json` exists) and each task of
    /// the last batch. A task in both is shown once, from whichever was updated last.
    /// Reads files only: no lock is taken or probed, so a PM is never slowed or refused.
    package static func all(in paths: BusPaths) -> [TaskLocation] {
        var found: [TaskLocation] = []
        if let batch = try? BatchState.load(from: paths.batch) {
            for entry in batch.tasks {
                let runPaths = paths.batchRun(task: entry.taskID)
                let state = try? RunState.load(from: runPaths.state)
                found.append(
                    TaskLocation(taskID: entry.taskID, source: .batch, paths: runPaths, state: state, batchEntry: entry)
                )
            }
        }
        if let state = try? RunState.load(from: paths.state) {
            let single = TaskLocation(taskID: state.taskID, source: .run, paths: paths, state: state, batchEntry: nil)
            if let index = found.firstIndex(where: { $0.taskID == state.taskID }) {
                if (found[index].state?.updatedAt ?? "") < state.updatedAt { found[index] = single }
            } else {
                found.insert(single, at: 0)
            }
        }
        return found
    }

    /// The task named `id`, if the bus knows it.
    package static func find(_ id: String, in paths: BusPaths) -> TaskLocation? {
        all(in: paths).first { $0.taskID == id }
    }

    /// Whether a PM is running this task now: the lock's recorded owner is a live process on
    /// this host. Read from the lock file's content, never by trying the lock.
    package var isRunning: Bool {
        guard state?.result == nil || batchEntry?.status == .running else { return false }
        guard let owner = FileLock.readOwner(at: paths.lock) else { return false }
        guard owner.host == ProcessInfo.processInfo.hostName else { return false }
        return ProcessControl.isAlive(owner.pid)
    }
}
