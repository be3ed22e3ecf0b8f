import Foundation

/// `usage.jsonl`: one line per agent call with tokens, cost and time, for `loop cost` and budgets.
package struct UsageLedger: Sendable {
    package let path: String

    package init(path: String) {
        self.path = path
    }

    /// Appends one entry. The ledger is bookkeeping: a line that cannot be written is dropped,
    /// never a reason to fail the run.
    package func append(_ entry: UsageEntry) {
        try? entry.append(to: path)
    }

    /// Records what an external CLI reported spending (tokens only when it reported them).
    package func record(
        state: RunState, role: Role, backend: String, model: String?, dispatchID: String, result: DispatchResult
    ) {
        record(
            taskID: state.taskID, runID: state.runID, round: state.round, role: role, backend: backend, model: model,
            dispatchID: dispatchID, result: result)
    }

    /// Appends one dispatch's usage.
    package func record(
        taskID: String, runID: String, round: Int, role: Role, backend: String, model: String?, dispatchID: String,
        result: DispatchResult
    ) {
        append(
            UsageEntry(
                taskID: taskID, runID: runID, dispatchID: dispatchID, round: round,
                role: role.rawValue, backend: backend, model: model, promptTokens: result.usage?.inputTokens,
                cachedPromptTokens: result.usage?.cachedInputTokens, completionTokens: result.usage?.outputTokens,
                costUSD: result.usage?.costUSD, wallS: UsageEntry.seconds(result.duration), source: "cli"))
    }
}
