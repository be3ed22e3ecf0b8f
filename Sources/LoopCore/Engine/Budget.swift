import Foundation

/// Run budgets: hard stops checked at safe points (before each dispatch, between rounds).
package struct Budget: Sendable, Equatable {
    package var maxTokens: Int
    package var maxCostUSD: Double
    package var maxDurationS: Int

    package init(options: RunOptions) {
        maxTokens = options.maxTokens
        maxCostUSD = options.maxCost
        maxDurationS = options.maxDuration
    }

    package var isUnlimited: Bool { maxTokens <= 0 && maxCostUSD <= 0 && maxDurationS <= 0 }

    /// The budget that ran out, as one line naming it, or nil while within every budget.
    package func exceeded(by state: RunState, paths: BusPaths, prices: [String: UsageSummary.Price]) -> String? {
        guard !isUnlimited else { return nil }
        if maxDurationS > 0, let start = Timestamp.parse(state.startedAt) {
            let elapsed = Int(Date().timeIntervalSince(start))
            if elapsed >= maxDurationS { return "duration budget of \(maxDurationS) s reached (ran \(elapsed) s)" }
        }
        guard maxTokens > 0 || maxCostUSD > 0 else { return nil }
        let usage = UsageSummary.load(paths.usage, runID: state.runID, prices: prices)
        if maxTokens > 0, usage.tokens >= maxTokens {
            return "token budget of \(maxTokens) reached (used \(usage.tokens))"
        }
        if maxCostUSD > 0, usage.costUSD >= maxCostUSD {
            return String(format: "cost budget of $%.2f reached (spent $%.4f)", maxCostUSD, usage.costUSD)
        }
        return nil
    }

    /// Tokens left for the run (nil when there is no token budget).
    package func tokensLeft(state: RunState, paths: BusPaths) -> Int? {
        guard maxTokens > 0 else { return nil }
        return max(0, maxTokens - UsageSummary.load(paths.usage, runID: state.runID).tokens)
    }
}
