import Foundation

/// Sums `usage.jsonl`: tokens, money and time, per run and per task/round/role/model.
package struct UsageSummary: Sendable, Equatable {
    /// One group of calls.
    package struct Row: Codable, Sendable, Equatable {
        package var taskID: String
        package var round: Int
        package var role: String
        package var backend: String
        package var model: String
        package var calls: Int = 0
        package var promptTokens: Int = 0
        package var cachedPromptTokens: Int = 0
        package var completionTokens: Int = 0
        package var costUSD: Double = 0
        package var wallS: Double = 0

        enum CodingKeys: String, CodingKey {
            case round, role, backend, model, calls
            case taskID = "task_id"
            case promptTokens = "prompt_tokens"
            case cachedPromptTokens = "cached_prompt_tokens"
            case completionTokens = "completion_tokens"
            case costUSD = "cost_usd"
            case wallS = "wall_s"
        }

        package var totalTokens: Int { promptTokens + completionTokens }
    }

    /// Price per million tokens for a model (from `prices:` in config.yaml).
    package struct Price: Codable, Sendable, Equatable {
        package var input: Double
        package var cachedInput: Double?
        package var output: Double

        enum CodingKeys: String, CodingKey {
            case input, output
            case cachedInput = "cached_input"
        }

        package init(input: Double, cachedInput: Double? = nil, output: Double) {
            self.input = input
            self.cachedInput = cachedInput
            self.output = output
        }
    }

    package var rows: [Row]

    package var tokens: Int { rows.reduce(0) { $0 + $1.totalTokens } }
    package var costUSD: Double { rows.reduce(0) { $0 + $1.costUSD } }

    /// Reads the ledger, optionally only one run's lines. Torn or foreign lines are skipped.
    package static func load(_ path: String, runID: String? = nil, taskID: String? = nil, prices: [String: Price] = [:])
        -> UsageSummary
    {
        // A line of the run holds its id (in run_id, and in the dispatch id the counting below uses).
        let entries = UsageEntry.load(path, containing: runID)
        var rows: [String: Row] = [:]
        var order: [String] = []
        // The built-in agent writes a line per model call; the PM's own per-dispatch line for
        // the same dispatch holds no tokens and the same wall time again, so it is left out.
        let counted = Set(entries.filter { $0.source == "agent" }.compactMap(\.dispatchID))
        for entry in entries {
            if entry.source == "cli", let id = entry.dispatchID, counted.contains(id) { continue }
            if let runID, entry.runID != runID { continue }
            if let taskID, entry.taskID != taskID { continue }
            let task = entry.taskID ?? "-"
            let round = entry.round ?? 0
            let role = entry.role ?? "-"
            let backend = entry.backend ?? "-"
            let model = entry.model ?? "-"
            let key = "\(task)\u{0}\(round)\u{0}\(role)\u{0}\(backend)\u{0}\(model)"
            if rows[key] == nil {
                rows[key] = Row(taskID: task, round: round, role: role, backend: backend, model: model)
                order.append(key)
            }
            let prompt = entry.promptTokens ?? 0
            let cached = entry.cachedPromptTokens ?? 0
            let completion = entry.completionTokens ?? 0
            var cost = 0.0
            if let reported = entry.costUSD {
                cost = reported
            } else if let price = prices[model] {
                let uncached = Double(max(0, prompt - cached))
                cost =
                    (uncached * price.input + Double(cached) * (price.cachedInput ?? price.input)
                        + Double(completion) * price.output) / 1_000_000
            }
            rows[key]?.calls += 1
            rows[key]?.promptTokens += prompt
            rows[key]?.cachedPromptTokens += cached
            rows[key]?.completionTokens += completion
            rows[key]?.costUSD += cost
            if let wall = entry.wallS { rows[key]?.wallS += wall }
        }
        return UsageSummary(rows: order.compactMap { rows[$0] })
    }
}
