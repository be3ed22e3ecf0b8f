import Foundation
package import LoopCore

/// One row of the dashboard: a task's live round, phase, spend and whether it needs a person
/// (`GET /api/tasks`).
package struct TaskSummary: Codable, Sendable, Equatable {
    package var taskID: String
    package var source: TaskLocation.Source
    package var runID: String?
    /// The run's phase (`working`, `verifying`, …, `done`); `pending` for a batch task not started.
    package var phase: String
    package var round: Int
    package var maxRounds: Int
    package var result: String?
    package var reason: String?
    /// The batch's status of the task (`pending`, `running`, `approved`, …), for batch tasks.
    package var batchStatus: String?
    package var dependsOn: [String]
    /// A PM holds this run's lock right now (its recorded owner is alive).
    package var running: Bool
    package var branch: String?
    package var headSHA: String?
    package var mergeCommand: String?
    package var updatedAt: String?
    package var limitUntil: String?
    package var limitMessage: String?
    /// The question of `needs_help.json` when the run stopped for lack of progress.
    package var needsHelp: String?
    /// A pending `loop pause` / `loop stop` (`control.json`).
    package var control: String?
    package var spentTokens: Int
    package var spentCostUSD: Double
    package var maxTokens: Int
    package var maxCostUSD: Double
    package var maxDurationS: Int
    /// The lanes of the latest round with lanes (as `loop status --json` lists them), for a card with lanes.
    package var lanes: [LaneStatus]?
    /// Why a person should look, or nil: `needs_help`, `failed`, `limit_wait`, `exhausted`,
    /// `paused`, `stopped`, `interrupted`, `blocked`, `conflict`.
    package var attention: String?

    enum CodingKeys: String, CodingKey {
        case source, phase, round, result, reason, running, branch, control, attention, lanes
        case taskID = "task_id"
        case runID = "run_id"
        case maxRounds = "max_rounds"
        case batchStatus = "batch_status"
        case dependsOn = "depends_on"
        case headSHA = "head_sha"
        case mergeCommand = "merge_command"
        case updatedAt = "updated_at"
        case limitUntil = "limit_until"
        case limitMessage = "limit_message"
        case needsHelp = "needs_help"
        case spentTokens = "spent_tokens"
        case spentCostUSD = "spent_cost_usd"
        case maxTokens = "max_tokens"
        case maxCostUSD = "max_cost_usd"
        case maxDurationS = "max_duration_s"
    }

    /// The row of one task, from its state, the batch entry, `needs_help.json`, `control.json`
    /// and the usage ledger (files only).
    package init(_ location: TaskLocation) {
        let state = location.state
        let entry = location.batchEntry
        taskID = location.taskID
        source = location.source
        runID = state?.runID ?? entry?.runID
        phase = state?.phase.rawValue ?? "pending"
        round = state?.round ?? entry?.rounds ?? 0
        maxRounds = state?.maxRounds ?? 0
        result = state?.result?.rawValue
        reason = state?.reason ?? entry?.reason
        batchStatus = entry?.status.rawValue
        dependsOn = entry?.dependsOn ?? []
        running = location.isRunning
        branch = state?.branch ?? entry?.branch
        headSHA = state?.headSHA ?? entry?.headSHA
        mergeCommand =
            state.flatMap { $0.result == .approved ? Outcome.mergeCommand(for: $0) : nil } ?? entry?.mergeCommand
        updatedAt = state?.updatedAt ?? entry?.finishedAt ?? entry?.startedAt
        limitUntil = state?.limitUntil
        limitMessage = state?.limitMessage
        needsHelp = nil
        control = nil
        spentTokens = 0
        spentCostUSD = 0
        maxTokens = state?.options.maxTokens ?? 0
        maxCostUSD = state?.options.maxCost ?? 0
        maxDurationS = state?.options.maxDuration ?? 0
        attention = nil
        lanes = state.flatMap(LaneStatus.read)
        guard let state else {
            attention = entry?.status == .blocked ? "blocked" : nil
            return
        }
        if state.needsHelp == true, let help = NeedsHelp.load(location.paths.needsHelp), help.runID == state.runID {
            needsHelp = help.question
        }
        if state.result == nil, let action = RunControl(paths: location.paths, runID: state.runID).current(),
            action != .continue
        {
            control = action.rawValue
        }
        if Filesystem.exists(location.paths.usage) {
            let usage = UsageSummary.load(
                location.paths.usage, runID: state.runID,
                prices: OptionResolver.prices(configPath: location.paths.config))
            spentTokens = usage.tokens
            spentCostUSD = usage.costUSD
        }
        attention = Self.attention(state: state, needsHelp: needsHelp, batchStatus: entry?.status, control: control)
    }

    /// What the banner says needs a person; nil while the run goes on by itself or was approved.
    private static func attention(
        state: RunState, needsHelp: String?, batchStatus: BatchState.Status?, control: String?
    ) -> String? {
        if needsHelp != nil { return "needs_help" }
        if state.limitUntil != nil && state.result == nil { return "limit_wait" }
        if let result = state.result, result != .approved { return result.rawValue }
        if batchStatus == .blocked { return "blocked" }
        if state.currentRound.lanes?.contains(where: { $0.status == .conflict }) == true { return "conflict" }
        if control == "pause" { return "paused" }
        return nil
    }
}
