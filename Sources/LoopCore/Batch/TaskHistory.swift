import Foundation

/// What the bus remembers of a task's runs: its last outcome, wherever it was written.
///
/// The last outcome is the newest (by `finished_at`) of: the task's batch run folder
/// (`batch/<task_id>/outcome.json`), the bus's own `outcome.json` when it is this task's, and
/// the outcomes kept in the archive (`archive/<task_id>/<run>/r<N>_outcome.json`). Outcomes are
/// archived when written, so a run whose bus was reset or replaced still counts.
package struct TaskHistory: Sendable {
    package let paths: BusPaths

    package init(paths: BusPaths) {
        self.paths = paths
    }

    /// The task's most recent outcome, nil when it never finished a run.
    package func lastOutcome(task: String) -> Outcome? {
        var candidates: [Outcome] = []
        if let outcome = Outcome.load(paths.batchRun(task: task).outcome) { candidates.append(outcome) }
        if let outcome = Outcome.load(paths.sharedFile(BusPaths.outcome)) { candidates.append(outcome) }
        if TaskCard.isValidTaskID(task), let runs = try? ArchiveIndex(paths: paths).runs(task: task),
            let newest = runs.last
        {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: newest.directory)) ?? []
            if let name = files.filter({ $0.hasSuffix("_outcome.json") }).sorted().last,
                let outcome = Outcome.load("\(newest.directory)/\(name)")
            {
                candidates.append(outcome)
            }
        }
        return candidates.filter { $0.taskID == task }.max { $0.finishedAt < $1.finishedAt }
    }

    /// Whether a dependency counts as done for a lone `loop run`: its last outcome is approved,
    /// or its card in `.loop/tasks/` says `"status": "done"` (loop-kit's own marker).
    package func isApproved(task: String) -> Bool {
        if lastOutcome(task: task)?.result == .approved { return true }
        guard let card = try? TaskCardLocator(folder: paths.tasks).find(task) else { return false }
        return TaskCardLocator.isMarkedDone(card)
    }

    /// The refusal for a lone `loop run` of a card whose dependencies are not all approved; nil
    /// when it may start. A batch checks its own tasks instead (`BatchPlan`).
    package func loneRunProblem(_ card: TaskCard) -> LoopError? {
        let waiting = card.dependencies.filter { !isApproved(task: $0) }
        guard !waiting.isEmpty else { return nil }
        return LoopError.config(
            "Task \(card.cardTaskID) depends on \(waiting.joined(separator: ", ")), not approved yet; "
                + "run them first, or all together with `\(paths.command("run --all"))`.")
    }
}
