import Foundation

/// One task as the bus knows it, for `loop tasks list|show`: its card in `.loop/tasks/`, its
/// place in the last batch, its last outcome, its archived runs and its branch.
package struct TaskOverview: Codable, Sendable, Equatable {
    package struct ArchivedRun: Codable, Sendable, Equatable {
        package var runID: String
        package var rounds: Int
        package var result: String?

        enum CodingKeys: String, CodingKey {
            case rounds, result
            case runID = "run_id"
        }
    }

    package var taskID: String
    /// The card file (shown relative to the repository); nil when the task has no card in
    /// `.loop/tasks/` (it ran from another card).
    package var card: String?
    package var goal: String?
    package var dependsOn: [String]
    package var inScope: [String]
    /// The task's status in the last batch, when it was part of it.
    package var batchStatus: String?
    /// The result of its last finished run (`approved`, `failed`, …); nil when it never finished one.
    package var result: String?
    package var reason: String?
    package var runID: String?
    package var rounds: Int?
    package var finishedAt: String?
    package var mergeCommand: String?
    /// `loop/<task_id>` when that branch exists, and its tip.
    package var branch: String?
    package var branchHead: String?
    package var archivedRuns: [ArchivedRun]

    enum CodingKeys: String, CodingKey {
        case card, goal, result, reason, rounds, branch
        case taskID = "task_id"
        case dependsOn = "depends_on"
        case inScope = "in_scope"
        case batchStatus = "batch_status"
        case runID = "run_id"
        case finishedAt = "finished_at"
        case mergeCommand = "merge_command"
        case branchHead = "branch_head"
        case archivedRuns = "archived_runs"
    }

    /// Every task the bus knows: cards in `.loop/tasks/` (by file name), then tasks of the last
    /// batch and of the archive that have no card there.
    package static func all(_ paths: BusPaths) async -> [TaskOverview] {
        var cards: [(String, String?)] = TaskCardLocator(folder: paths.tasks).cardFiles().compactMap { path in
            guard let card = try? TaskCard.load(from: path) else { return nil }
            return (card.taskID, path)
        }
        var known = Set(cards.map(\.0))
        let batch = try? BatchState.load(from: paths.batch)
        for id in batch?.tasks.map(\.taskID) ?? [] where known.insert(id).inserted { cards.append((id, nil)) }
        for run in (try? ArchiveIndex(paths: paths).runs()) ?? [] where known.insert(run.taskID).inserted {
            cards.append((run.taskID, nil))
        }
        var overviews: [TaskOverview] = []
        for (id, card) in cards { overviews.append(await make(id, card: card, batch: batch, paths: paths)) }
        return overviews
    }

    /// One task by id (its card found as loop-kit finds it); nil when the bus knows nothing of it.
    package static func find(_ id: String, paths: BusPaths) async throws -> TaskOverview? {
        let card = try TaskCardLocator(folder: paths.tasks).find(id)
        let taskID = card.flatMap { try? TaskCard.load(from: $0) }?.taskID ?? TaskCard.safeTaskID(id)
        let overview = await make(
            taskID, card: card, batch: try? BatchState.load(from: paths.batch), paths: paths)
        let known =
            card != nil || overview.batchStatus != nil || overview.result != nil || !overview.archivedRuns.isEmpty
            || overview.branch != nil
        return known ? overview : nil
    }

    private static func make(_ id: String, card path: String?, batch: BatchState?, paths: BusPaths) async
        -> TaskOverview
    {
        let card = path.flatMap { try? TaskCard.load(from: $0) }
        let outcome = TaskHistory(paths: paths).lastOutcome(task: id)
        let runs = TaskCard.isValidTaskID(id) ? ((try? ArchiveIndex(paths: paths).runs(task: id)) ?? []) : []
        let branch = "loop/\(id)"
        let head =
            TaskCard.isValidTaskID(id) ? await Git(directory: paths.repository).resolve("refs/heads/\(branch)") : nil
        let entry = batch?[task: id]
        return TaskOverview(
            taskID: id, card: path.map(paths.display), goal: card?.goal,
            dependsOn: card?.dependencies ?? entry?.dependsOn ?? [],
            inScope: card?.inScope ?? [], batchStatus: entry?.status.rawValue, result: outcome?.result.rawValue,
            reason: outcome?.reason, runID: outcome?.runID, rounds: outcome?.rounds, finishedAt: outcome?.finishedAt,
            mergeCommand: outcome?.mergeCommand, branch: head == nil ? nil : branch, branchHead: head,
            archivedRuns: runs.map { ArchivedRun(runID: $0.runID, rounds: $0.rounds.max() ?? 0, result: $0.result) })
    }

    /// One line for `loop tasks list`.
    package var row: String {
        var parts = [taskID, result ?? "never run"]
        if let batchStatus, batchStatus != result { parts.append("batch: \(batchStatus)") }
        if let rounds { parts.append("\(rounds) round\(rounds == 1 ? "" : "s")") }
        if !dependsOn.isEmpty { parts.append("after \(dependsOn.joined(separator: ", "))") }
        parts.append(branch ?? "no branch")
        parts.append(card ?? "no card")
        return parts.joined(separator: "  ")
    }

    /// The lines of `loop tasks show`.
    package var lines: [String] {
        var lines = ["task:       \(taskID)"]
        lines.append("card:       \(card ?? "- (no card in the tasks folder)")")
        if let goal, !goal.isEmpty { lines.append("goal:       \(goal)") }
        if !inScope.isEmpty { lines.append("in scope:   \(inScope.joined(separator: ", "))") }
        lines.append("depends on: \(dependsOn.isEmpty ? "-" : dependsOn.joined(separator: ", "))")
        if let batchStatus { lines.append("batch:      \(batchStatus)") }
        lines.append("result:     \(result ?? "never run")\(reason.map { " — \($0)" } ?? "")")
        if let runID { lines.append("last run:   \(runID) · \(rounds ?? 0) round(s) · finished \(finishedAt ?? "-")") }
        lines.append("branch:     \(branch.map { "\($0) at \(branchHead?.prefix(12) ?? "-")" } ?? "-")")
        if let mergeCommand { lines.append("merge:      \(mergeCommand)") }
        lines.append("archive:    \(archivedRuns.isEmpty ? "-" : "\(archivedRuns.count) run(s)")")
        for run in archivedRuns { lines.append("  \(run.runID)  \(run.rounds) round(s)  \(run.result ?? "-")") }
        return lines
    }
}
