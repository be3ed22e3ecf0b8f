import Foundation

/// `usage.jsonl`: one line per agent call with tokens, cost and time, for `loop cost` and budgets.
public struct UsageLedger: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Records what an external CLI reported spending (nothing when it reported nothing).
    public func record(
        state: RunState, role: Role, backend: String, model: String?, dispatchID: String, result: DispatchResult
    ) {
        var object: [String: JSONValue] = [
            "ts": .string(Timestamp.now()), "task_id": .string(state.taskID), "run_id": .string(state.runID),
            "round": .number(Double(state.round)), "role": .string(role.rawValue), "backend": .string(backend),
            "dispatch_id": .string(dispatchID), "wall_s": .number((result.duration * 1000).rounded() / 1000),
            "source": .string("cli"),
        ]
        if let model { object["model"] = .string(model) }
        if let usage = result.usage {
            object["prompt_tokens"] = .number(Double(usage.inputTokens))
            object["cached_prompt_tokens"] = .number(Double(usage.cachedInputTokens))
            object["completion_tokens"] = .number(Double(usage.outputTokens))
            if let cost = usage.costUSD { object["cost_usd"] = .number(cost) }
        }
        guard let data = try? JSONEncoder.line.encode(JSONValue.object(object)) else { return }
        try? AtomicFile.appendLine(String(decoding: data, as: UTF8.self), to: path)
    }
}
