import Foundation
import LoopCore
import Testing

/// `--max-duration` as values: what a running process may still spend (`TimeAllowance`), and
/// what "duration" counts across a resume (`RunState.activeSeconds`).
struct DurationBudgetUnitTests {
    func state(startedAt: Date, maxDuration: Int = 0) -> RunState {
        var options = RunOptions()
        options.maxDuration = maxDuration
        var state = RunState(
            taskID: "t", runID: "r", maxRounds: 3, branch: "b", mode: "worktree", workdir: "/w", baseSHA: "base",
            taskPath: "/t.json", options: options)
        state.startedAt = Timestamp.format(startedAt)
        state.updatedAt = state.startedAt
        return state
    }

    // MARK: - TimeAllowance

    @Test("without a duration budget a process gets its own timeout, which is never the budget's")
    func noBudgetKeepsTimeout() {
        #expect(TimeAllowance(timeout: 600, budgetLeft: nil) == TimeAllowance(seconds: 600, isBudget: false))
        #expect(TimeAllowance(timeout: 0, budgetLeft: nil) == TimeAllowance(seconds: 0, isBudget: false))
    }

    @Test("a budget shorter than the timeout, or no timeout at all, sets the limit (rounded up) and says so")
    func budgetShorterSetsLimit() {
        #expect(TimeAllowance(timeout: 600, budgetLeft: 2.2) == TimeAllowance(seconds: 3, isBudget: true))
        #expect(TimeAllowance(timeout: 0, budgetLeft: 40) == TimeAllowance(seconds: 40, isBudget: true))
        #expect(TimeAllowance(timeout: 600, budgetLeft: 0.01) == TimeAllowance(seconds: 1, isBudget: true))
    }

    @Test("a timeout shorter than what the budget leaves stays the process's own: reaching it is a failed attempt")
    func timeoutShorterStaysOwn() {
        #expect(TimeAllowance(timeout: 30, budgetLeft: 100) == TimeAllowance(seconds: 30, isBudget: false))
    }

    // MARK: - Time the run was running

    @Test("a new run's duration is the wall time since it started")
    func newRunCountsSinceStart() {
        let now = Date()
        let state = state(startedAt: now.addingTimeInterval(-50))
        #expect(abs(state.activeSeconds(now: now) - 50) < 0.01)
    }

    @Test("a resume after a night's stop counts only the spans the run ran, and the budget is not spent")
    func resumeAfterNightCountsSpans() throws {
        let now = Date()
        // Ran 40 s, stopped (last save), resumed 10 hours later.
        var state = state(startedAt: now.addingTimeInterval(-36_040), maxDuration: 180)
        state.updatedAt = Timestamp.format(now.addingTimeInterval(-36_000))
        state.beginSpan(now: now)
        #expect(abs((state.activeS ?? 0) - 40) < 0.01)
        #expect(abs(state.activeSeconds(now: now.addingTimeInterval(5)) - 45) < 0.01)
        let budget = Budget(options: state.options)
        let paths = BusPaths(loopDir: ".loop", cwd: "/nowhere")
        #expect(budget.exceeded(by: state, paths: paths, prices: [:]) == nil)
        let left = try #require(budget.durationLeft(state: state))
        #expect(left > 130 && left <= 140, "\(left)")

        // A second stop and resume adds the second span.
        state.updatedAt = Timestamp.format(now.addingTimeInterval(20))
        state.beginSpan(now: now.addingTimeInterval(7_200))
        #expect(abs((state.activeS ?? 0) - 60) < 0.01)
    }

    @Test("the budget ran out: the reason names it and the time the run ran")
    func spentBudgetReason() {
        let now = Date()
        let state = state(startedAt: now.addingTimeInterval(-200), maxDuration: 180)
        let paths = BusPaths(loopDir: ".loop", cwd: "/nowhere")
        let reason = Budget(options: state.options).exceeded(by: state, paths: paths, prices: [:])
        #expect(reason?.hasPrefix("duration budget of 180 s reached (ran 20") == true, "\(reason ?? "nil")")
    }

    @Test("a state.json written before active_s and resumed_at loads, counting from started_at as before")
    func oldStateLoads() throws {
        let now = Date()
        var state = state(startedAt: now.addingTimeInterval(-30))
        let encoded = try JSONEncoder.bus.encode(state)
        guard case .object(let fields) = try JSONDecoder().decode(JSONValue.self, from: encoded) else {
            Issue.record("state.json is not an object")
            return
        }
        // A new run writes neither field: its state.json is what an older `loop` wrote.
        #expect(fields["active_s"] == nil && fields["resumed_at"] == nil)
        let old = try JSONDecoder().decode(RunState.self, from: encoded)
        #expect(old.activeS == nil && old.resumedAt == nil)
        #expect(abs(old.activeSeconds(now: now) - 30) < 0.01)

        state.beginSpan(now: now)
        let resumed = try JSONDecoder().decode(RunState.self, from: try JSONEncoder.bus.encode(state))
        #expect(resumed.resumedAt == Timestamp.format(now) && resumed.activeS != nil)
    }
}
