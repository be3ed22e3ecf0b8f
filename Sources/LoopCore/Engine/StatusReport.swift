import Foundation

/// The stable `loop status --json` document, built from files only (no git, no lock taken),
/// so it answers in milliseconds however long the run or its archive. `loop status` adds
/// `merged` with one git call, and only for an approved run.
package struct StatusReport: Codable, Sendable, Equatable {
    package struct LockInfo: Codable, Sendable, Equatable {
        package var held: Bool
        package var ownerPID: Int32?
        package var ownerHost: String?
        package var ownerAlive: Bool?

        enum CodingKeys: String, CodingKey {
            case held
            case ownerPID = "owner_pid"
            case ownerHost = "owner_host"
            case ownerAlive = "owner_alive"
        }
    }

    package var schemaVersion: Int = 1
    package var taskID: String?
    package var runID: String?
    /// `idle` when no run has started on this bus.
    package var state: String
    package var round: Int
    package var maxRounds: Int
    package var result: String?
    package var reason: String?
    package var stoppedIn: String?
    package var lastDecision: String?
    package var branch: String?
    package var headSHA: String?
    package var mergeCommand: String?
    /// True when the approved commit is already in the checked-out branch (then no merge is shown).
    package var merged: Bool?
    package var updatedAt: String?
    package var limitUntil: String?
    package var limitMessage: String?
    package var lock: LockInfo
    /// Spend of this run so far, against its budgets (0 = no budget).
    package var spentTokens: Int = 0
    package var spentCostUSD: Double = 0
    package var maxTokens: Int = 0
    package var maxCostUSD: Double = 0
    package var maxDurationS: Int = 0
    /// The question of `needs_help.json` when the run stopped for lack of progress.
    package var needsHelp: String?
    package var lanes: [LaneStatus]?  // a card with lanes: each lane of the latest lane round

    enum CodingKeys: String, CodingKey {
        case state, round, result, reason, branch, lock, merged, lanes
        case needsHelp = "needs_help"
        case spentTokens = "spent_tokens"
        case spentCostUSD = "spent_cost_usd"
        case maxTokens = "max_tokens"
        case maxCostUSD = "max_cost_usd"
        case maxDurationS = "max_duration_s"
        case schemaVersion = "schema_version"
        case taskID = "task_id"
        case runID = "run_id"
        case maxRounds = "max_rounds"
        case stoppedIn = "stopped_in"
        case lastDecision = "last_decision"
        case headSHA = "head_sha"
        case mergeCommand = "merge_command"
        case updatedAt = "updated_at"
        case limitUntil = "limit_until"
        case limitMessage = "limit_message"
    }

    /// Reads `state.json` and the lock of a bus.
    package static func read(_ paths: BusPaths) throws -> StatusReport {
        let owner = FileLock.readOwner(at: paths.lock)
        let held = FileLock.isHeld(at: paths.lock)
        let lock = LockInfo(
            held: held, ownerPID: owner?.pid, ownerHost: owner?.host,
            ownerAlive: owner.map { ProcessControl.isAlive($0.pid) })
        guard let state = try RunState.load(from: paths.state) else {
            return StatusReport(
                taskID: nil, runID: nil, state: "idle", round: 0, maxRounds: 0, result: nil, reason: nil,
                stoppedIn: nil,
                lastDecision: nil, branch: nil, headSHA: nil, mergeCommand: nil, updatedAt: nil, limitUntil: nil,
                limitMessage: nil, lock: lock)
        }
        var report = StatusReport(
            taskID: state.taskID, runID: state.runID, state: state.phase.rawValue, round: state.round,
            maxRounds: state.maxRounds, result: state.result?.rawValue, reason: state.reason,
            stoppedIn: state.stoppedIn?.rawValue, lastDecision: state.lastDecision, branch: state.branch,
            headSHA: state.headSHA, mergeCommand: state.result == .approved ? Outcome.mergeCommand(for: state) : nil, updatedAt: state.updatedAt,
            limitUntil: state.limitUntil, limitMessage: state.limitMessage, lock: lock)
        report.maxTokens = state.options.maxTokens
        report.maxCostUSD = state.options.maxCost
        report.maxDurationS = state.options.maxDuration
        if state.needsHelp == true, let help = NeedsHelp.load(paths.needsHelp), help.runID == state.runID {
            report.needsHelp = help.question
        }
        report.lanes = LaneStatus.read(state)
        if Filesystem.exists(paths.usage) {
            let usage = UsageSummary.load(
                paths.usage, runID: state.runID, prices: OptionResolver.prices(configPath: paths.config))
            report.spentTokens = usage.tokens
            report.spentCostUSD = usage.costUSD
        }
        return report
    }

    /// Human-readable lines.
    package var lines: [String] {
        guard let taskID else { return ["state:    idle (no run on this bus; start one with `loop run`)"] }
        var lines = ["task:     \(taskID)"]
        var stateLine = "state:    \(state) (round \(round)/\(maxRounds))"
        if let stoppedIn { stateLine += ", stopped while \(stoppedIn)" }
        lines.append(stateLine)
        lines.append("run:      \(runID ?? "-")")
        if let result { lines.append("result:   \(result)\(reason.map { " — \($0)" } ?? "")") }
        lines.append("decision: \(lastDecision ?? "-")")
        lines.append("head:     \(headSHA.map { String($0.prefix(12)) } ?? "-") on \(branch ?? "-")")
        if merged == true, let headSHA {
            lines.append("merged:   \(headSHA.prefix(12)) is already in your branch")
        } else if let mergeCommand, result == "approved" {
            lines.append("merge:    \(mergeCommand)")
        }
        if let needsHelp { lines.append("help:     NEEDS HELP — \(needsHelp)") }
        lines += LaneStatus.lines(lanes)
        if let limitUntil {
            lines.append("limit:    waiting until \(limitUntil)\(limitMessage.map { " (\($0))" } ?? "")")
        }
        if spentTokens > 0 || maxTokens > 0 || maxCostUSD > 0 || maxDurationS > 0 {
            var spend = "spent:    \(spentTokens) tokens\(maxTokens > 0 ? " of \(maxTokens)" : "")"
            spend +=
                String(format: ", $%.4f", spentCostUSD)
                + (maxCostUSD > 0 ? String(format: " of $%.2f", maxCostUSD) : "")
            if maxDurationS > 0 { spend += ", duration budget \(maxDurationS) s" }
            lines.append(spend)
        }
        let age = updatedAt.flatMap(Timestamp.parse).map { " (\(HumanAge.ago($0)))" } ?? ""
        lines.append("updated:  \(updatedAt ?? "-")\(age)")
        if lock.held {
            lines.append("lock:     held by pid \(lock.ownerPID.map(String.init) ?? "?") on \(lock.ownerHost ?? "?")")
        } else {
            lines.append("lock:     free (no PM running)")
        }
        return lines
    }
}
