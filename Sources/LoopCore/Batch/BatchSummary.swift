import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The end of a batch: one table (task, result, rounds, tokens, time, merge command) and the
/// exit code that reflects every task.
package struct BatchSummary: Sendable {
    package let batch: BatchState
    package let paths: BusPaths

    package init(batch: BatchState, paths: BusPaths) {
        self.batch = batch
        self.paths = paths
    }

    /// The batch's exit code: 0 only when every task is approved. Otherwise, the first that
    /// applies: 130/143 when a signal stopped the batch; 75 when a task is waiting out a
    /// usage limit or was interrupted; the code of a failed task (3, or 1/4/5 when its run could
    /// not start); 3 when a task is blocked by a dependency; 2 when a task ran out of budget.
    package func exitCode(signal: Int32?) -> LoopExitCode {
        let statuses = batch.tasks.map(\.status)
        if statuses.allSatisfy({ $0 == .approved }) { return .approved }
        if let signal { return signal == SIGTERM ? .terminated : .interrupted }
        if statuses.contains(.interrupted) || statuses.contains(.pending) || statuses.contains(.running) {
            return .pausedOnLimit
        }
        if let failed = batch.tasks.first(where: { $0.status == .failed }) {
            let code = failed.exitCode.flatMap(LoopExitCode.init(rawValue:)) ?? .roundFailed
            return code == .approved || code == .exhausted ? .roundFailed : code
        }
        if statuses.contains(.blocked) { return .roundFailed }
        return .exhausted
    }

    /// The table, then one line per blocked task naming its blocker.
    package var table: [String] {
        let header = ["task", "result", "rounds", "tokens", "time", "merge"]
        var rows = batch.tasks.map { task -> [String] in
            [
                task.taskID, task.status.rawValue, task.rounds.map(String.init) ?? "-",
                task.tokens.map(String.init) ?? "-", task.durationS.map { Self.duration($0) } ?? "-",
                task.mergeCommand ?? (task.status == .approved ? "(no change)" : "-"),
            ]
        }
        rows.insert(header, at: 0)
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = [
            "batch \(batch.batchID): \(batch.tasks.filter { $0.status == .approved }.count) of \(batch.tasks.count) approved"
        ]
        for row in rows {
            let cells = row.enumerated().map { column, text in
                column == row.count - 1 ? text : text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            lines.append("  " + cells.joined(separator: "  "))
        }
        for task in batch.tasks where task.status != .approved {
            if let reason = task.reason { lines.append("\(task.taskID): \(reason)") }
        }
        let approved = batch.tasks.filter { $0.status == .approved && $0.mergeCommand != nil }
        if approved.count > 1 {
            lines.append("merge the approved tasks in the order shown (dependencies first)")
        }
        return lines
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 60
            ? String(format: "%.0f s", seconds) : String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
    }
}
