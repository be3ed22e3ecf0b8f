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

    /// The last batch of the bus (`batch.json`), each task with its live round and phase.
    package struct BatchInfo: Codable, Sendable, Equatable {
        package struct TaskInfo: Codable, Sendable, Equatable {
            package var taskID: String
            /// The batch's status of the task (`BatchState.Status`).
            package var status: String
            /// The phase of the task's run, read from its run folder.
            package var phase: String?
            package var round: Int?
            package var maxRounds: Int?
            package var runID: String?
            package var dependsOn: [String]
            package var reason: String?
            package var branch: String?
            package var mergeCommand: String?

            enum CodingKeys: String, CodingKey {
                case status, phase, round, reason, branch
                case taskID = "task_id"
                case maxRounds = "max_rounds"
                case runID = "run_id"
                case dependsOn = "depends_on"
                case mergeCommand = "merge_command"
            }
        }

        package var batchID: String
        package var parallel: Int
        package var startedAt: String
        package var finishedAt: String?
        package var exitCode: Int32?
        package var tasks: [TaskInfo]

        enum CodingKeys: String, CodingKey {
            case parallel, tasks
            case batchID = "batch_id"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
            case exitCode = "exit_code"
        }

        /// `batch.json` with each task's run state; nil when the bus never ran a batch.
        static func read(_ paths: BusPaths) -> BatchInfo? {
            guard let batch = try? BatchState.load(from: paths.batch) else { return nil }
            let tasks = batch.tasks.map { entry -> TaskInfo in
                let state = try? RunState.load(from: paths.batchRun(task: entry.taskID).state)
                return TaskInfo(
                    taskID: entry.taskID, status: entry.status.rawValue, phase: state?.phase.rawValue,
                    round: state?.round ?? entry.rounds, maxRounds: state?.maxRounds, runID: state?.runID ?? entry.runID,
                    dependsOn: entry.dependsOn, reason: entry.reason, branch: entry.branch ?? state?.branch,
                    mergeCommand: entry.mergeCommand)
            }
            return BatchInfo(
                batchID: batch.batchID, parallel: batch.parallel, startedAt: batch.startedAt,
                finishedAt: batch.finishedAt, exitCode: batch.exitCode, tasks: tasks)
        }

        /// Lines for `loop status`: one per task.
        var lines: [String] {
            var lines = [
                "batch:    \(batchID) · \(tasks.filter { $0.status == "approved" }.count) of \(tasks.count) approved · "
                    + (finishedAt == nil ? "\(parallel) at a time" : "finished (exit \(exitCode ?? 0))")
            ]
            let width = tasks.map(\.taskID.count).max() ?? 0
            for task in tasks {
                var line = "  \(task.taskID.padding(toLength: width, withPad: " ", startingAt: 0))  \(task.status)"
                if let round = task.round { line += " · round \(round)\(task.maxRounds.map { "/\($0)" } ?? "")" }
                if task.status == "running", let phase = task.phase { line += " (\(phase))" }
                if !task.dependsOn.isEmpty { line += " · after \(task.dependsOn.joined(separator: ", "))" }
                if let reason = task.reason { line += " — \(reason)" }
                lines.append(line)
            }
            return lines
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
    /// The bus's last batch, when it ran one (`loop run --all`, several `--task`).
    package var batch: BatchInfo?
    package var lanes: [LaneStatus]?  // a card with lanes: each lane of the latest lane round
    /// A pending `loop pause` or `loop stop` for this run (`control.json`), nil otherwise.
    package var control: String?
    /// The commit the run started from (not in the JSON: it tells `merged` without git when
    /// your branch has not moved since).
    package var baseSHA: String? = nil

    enum CodingKeys: String, CodingKey {
        case state, round, result, reason, branch, lock, merged, batch, lanes, control
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
            var idle = StatusReport(
                taskID: nil, runID: nil, state: "idle", round: 0, maxRounds: 0, result: nil, reason: nil,
                stoppedIn: nil,
                lastDecision: nil, branch: nil, headSHA: nil, mergeCommand: nil, updatedAt: nil, limitUntil: nil,
                limitMessage: nil, lock: lock)
            idle.batch = BatchInfo.read(paths)
            return idle
        }
        var report = StatusReport(
            taskID: state.taskID, runID: state.runID, state: state.phase.rawValue, round: state.round,
            maxRounds: state.maxRounds, result: state.result?.rawValue, reason: state.reason,
            stoppedIn: state.stoppedIn?.rawValue, lastDecision: state.lastDecision, branch: state.branch,
            headSHA: state.headSHA, mergeCommand: state.result == .approved ? Outcome.mergeCommand(for: state) : nil, updatedAt: state.updatedAt,
            limitUntil: state.limitUntil, limitMessage: state.limitMessage, lock: lock)
        report.batch = BatchInfo.read(paths)
        report.baseSHA = state.baseSHA
        report.maxTokens = state.options.maxTokens
        report.maxCostUSD = state.options.maxCost
        report.maxDurationS = state.options.maxDuration
        if state.needsHelp == true, let help = NeedsHelp.load(paths.needsHelp), help.runID == state.runID {
            report.needsHelp = help.question
        }
        if state.result == nil, let action = RunControl(paths: paths, runID: state.runID).current(), action != .continue {
            report.control = action.rawValue
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
        guard let batch else { return runLines }
        guard taskID != nil else { return batch.lines + lockLines }
        return runLines + batch.lines
    }

    private var lockLines: [String] {
        if lock.held {
            return ["lock:     held by pid \(lock.ownerPID.map(String.init) ?? "?") on \(lock.ownerHost ?? "?")"]
        }
        return ["lock:     free (no PM running)"]
    }

    /// The lines of the single run on the bus.
    private var runLines: [String] {
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
        if control == "pause" {
            lines.append("control:  PAUSED by `loop pause` (after the step in flight); `loop continue` goes on")
        } else if control == "stop" {
            lines.append("control:  stopping after this round (`loop stop`)")
        }
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
        return lines + lockLines
    }
}
