import Foundation

/// Run budgets: hard stops checked at safe points (before each dispatch, between rounds). The
/// duration budget is also a wall for what is running: a dispatch or verify command may run at
/// most what it leaves (`TimeAllowance`), so a run ends near its `--max-duration`.
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
        if maxDurationS > 0 {
            let ran = state.activeSeconds()
            if ran >= Double(maxDurationS) { return durationReason(ran: ran) }
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

    /// Seconds the duration budget leaves the run (0 or less when spent), or nil without one.
    /// "Duration" is the time the run was running (`RunState.activeSeconds`), not the wall time
    /// since it first started: a run stopped at night and resumed in the morning goes on.
    package func durationLeft(state: RunState) -> Double? {
        guard maxDurationS > 0 else { return nil }
        return Double(maxDurationS) - state.activeSeconds()
    }

    /// The one line a run that ran out of time ends with, the same whether the budget was
    /// found spent between phases or cut a running dispatch or verify command.
    package func durationReason(ran seconds: Double) -> String {
        "duration budget of \(maxDurationS) s reached (ran \(Int(seconds)) s)"
    }

    /// Tokens left for the run (nil when there is no token budget).
    package func tokensLeft(state: RunState, paths: BusPaths) -> Int? {
        guard maxTokens > 0 else { return nil }
        return max(0, maxTokens - UsageSummary.load(paths.usage, runID: state.runID).tokens)
    }
}

/// How long one process — a dispatch or a verify command — may run: its own timeout, or what
/// the run's duration budget leaves when that is shorter. Computed once, as the process starts
/// (the process runner then enforces it like any timeout: SIGTERM to the group, a grace for
/// the agent to write its report, SIGKILL), so nothing polls the budget while it runs.
package struct TimeAllowance: Sendable, Equatable {
    /// The limit in whole seconds; 0 = none.
    package var seconds: Int
    /// True when the duration budget set the limit: reaching it ends the run as `exhausted`
    /// (resumable in the same phase), it is not a failed dispatch or a failed verify command.
    package var isBudget: Bool

    package init(seconds: Int, isBudget: Bool) {
        self.seconds = seconds
        self.isBudget = isBudget
    }

    /// - Parameters:
    ///   - timeout: the process's own limit in seconds (0 = none).
    ///   - budgetLeft: seconds the duration budget leaves (nil: no duration budget). Rounded
    ///     up, so a process cut by the budget has always spent it: the reason then says so.
    package init(timeout: Int, budgetLeft: Double?) {
        guard let budgetLeft else {
            seconds = max(0, timeout)
            isBudget = false
            return
        }
        let left = max(1, Int(budgetLeft.rounded(.up)))
        if timeout > 0, timeout < left {
            seconds = timeout
            isBudget = false
        } else {
            seconds = left
            isBudget = true
        }
    }
}

/// The run's duration budget ran out while a dispatch or a verify command ran, and ended it.
///
/// Not a failure: the round engine stops the run as `exhausted` in the phase it was in, with
/// the same reason as a budget found spent between phases, and `--resume` redoes the cut step.
package struct DurationBudgetCut: Error, Sendable, Equatable {
    /// What was cut, as events name it: `worker`, `reviewer`, `worker lane_a`, `verify`.
    package var what: String

    package init(what: String) {
        self.what = what
    }
}
