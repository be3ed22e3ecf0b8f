import Foundation

/// Runs one round — worker, PM commit and facts, verification, reviewer, decision — from
/// whatever phase `state.json` says, saving state after every step.
///
/// Each round runs in a fresh `loop run --single-round` process, so a round starts
/// from files, never from memory, and a crash loses at most the step in flight.
///
/// The engine is the driver: `advance()` runs the phase `state.phase` names and moves on only
/// through `RunState`'s transitions, saving after each (`transition`, with its fault point).
/// The decisions are values it applies: `WorkerFacts` (what git says the worker did),
/// `VerifyGate` (runs verify and decides pass or fail), `RoundVerdict` (the round's approval)
/// and `RoundEnd` (approved, no progress, out of rounds, or the next round).
package final class RoundEngine {
    let context: RoundContext
    var state: RunState
    let events: EventLog
    let archive: Archive
    /// The run's diff (run base → head) when the worker phase already read it from git, so the
    /// review phase of the same process need not ask again. Nil after a resume: then it asks.
    var runDiff: KnownDiff?

    /// A diff read from git, with what it was read for.
    struct KnownDiff {
        let base: String
        let head: String
        let diff: String
        let files: [String]
    }

    var paths: BusPaths { context.paths }
    var options: RunOptions { state.options }
    var console: Console { context.console }
    var workdirGit: Git { Git(directory: state.workdir) }

    package init(context: RoundContext, state: RunState) {
        self.context = context
        self.state = state
        events = EventLog(path: context.paths.events, taskID: state.taskID, runID: state.runID)
        archive = Archive(paths: context.paths, taskID: state.taskID, runID: state.runID)
    }

    /// The state as the engine left it.
    package var finalState: RunState { state }

    /// Runs the round in `state.round` to its end. Returns the process exit code for the round
    /// subprocess: 0 when the round ended normally (see `state` for approved, exhausted or next
    /// round), otherwise the code of the failure, interruption or pause.
    package func run(interruptedBy signal: @Sendable () -> Int32?) async -> LoopExitCode {
        do {
            try await advance()
            return .approved
        } catch is CancellationError {
            return stopInterrupted(signal: signal() ?? 2)
        } catch let cut as DurationBudgetCut {
            return stopOutOfTime(cut: cut)
        } catch is RunControl.StopRequested {
            // `loop stop` during a long wait (a usage limit): saved where it stands.
            stopAsRequested(while: "waiting for a usage limit")
            return .stopped
        } catch let error as LoopError {
            switch error {
            case .interrupted(let number):
                return stopInterrupted(signal: number)
            case .other(let message, .exhausted):
                // A run budget ran out: a clean stop at a safe point, resumable with a bigger budget.
                state.stop(.exhausted, reason: message)
                persist("run_exhausted", ["reason": .string(message)])
                console.info("stopping: \(message)")
                return .approved
            case .pausedOnLimit(let message):
                state.stop(.paused, reason: "paused on a usage limit: \(message)")
                persist("run_paused", ["reason": .string(message)])
                return .pausedOnLimit
            case .roundFailed(let reason):
                return failRound(reason)
            default:
                return failRound(error.errorDescription ?? "\(error)")
            }
        } catch {
            return failRound("\(error)")
        }
    }

    /// The duration budget ended a running dispatch or verify command: the run stops as
    /// `exhausted` in the phase it was in, as when the budget is found spent between phases
    /// (same reason), and `--resume` redoes the step that was cut.
    private func stopOutOfTime(cut: DurationBudgetCut) -> LoopExitCode {
        let budget = Budget(options: options)
        // The cut came when the budget's time was up by the monotonic clock; the wall clock
        // the state's timestamps use may differ by a hair, never below the budget in the reason.
        let reason = budget.durationReason(ran: max(state.activeSeconds(), Double(budget.maxDurationS)))
        state.stop(.exhausted, reason: reason)
        persist("run_exhausted", ["reason": .string(reason), "cut": .string(cut.what)])
        console.info("stopping: \(reason); the \(cut.what) was ended where it stood")
        return .approved
    }

    private func stopInterrupted(signal: Int32) -> LoopExitCode {
        let interruption = Interruption(signal: signal)
        interruption.stop(&state)
        persist("run_interrupted", ["signal": .string(interruption.name)])
        return interruption.exitCode
    }

    private func failRound(_ reason: String) -> LoopExitCode {
        console.warn("round \(state.round) failed: \(reason)")
        state.fail(reason)
        persist("round_failed", ["reason": .string(state.reason ?? reason)])
        return .roundFailed
    }

    /// Saves state and records an event; a save failure is reported, not thrown, because the
    /// callers are already on their way out.
    func persist(_ event: String, _ fields: [String: JSONValue] = [:]) {
        do {
            try state.save(to: paths.state)
        } catch {
            console.warn("could not save state: \(error.localizedDescription)")
        }
        var all = fields
        all["phase"] = .string(state.phase.rawValue)
        events.record(event, round: state.round, all)
    }

    /// Records an event without saving state (progress the step's next save carries); the
    /// crash matrix's fault point is hit as for a transition.
    func recordUnsaved(event: String, _ fields: [String: JSONValue]) {
        var all = fields
        all["phase"] = .string(state.phase.rawValue)
        events.record(event, round: state.round, all)
        FaultInjection.hit("state.\(event)")
    }

    /// Saves state (throwing) and records an event.
    ///
    /// - Parameters:
    ///   - durable: false for progress inside a step (see `RunState.save(to:durable:)`).
    ///   - alongside: files of the same step, written durably with the state in one go
    ///     (one folder fsync; the state last, so it never names a step whose files are missing).
    func transition(
        _ event: String, _ fields: [String: JSONValue] = [:], durable: Bool = true, alongside: [AtomicFile.Item] = []
    ) throws {
        if alongside.isEmpty {
            try state.save(to: paths.state, durable: durable)
        } else {
            try AtomicFile.write(together: alongside + [try state.file(at: paths.state)])
        }
        var all = fields
        all["phase"] = .string(state.phase.rawValue)
        events.record(event, round: state.round, all)
        FaultInjection.hit("state.\(event)")
    }

    // MARK: - Phases

    /// Runs the phase `state.phase` names, then the next, until the round has ended (the run
    /// is finished or stopped, or `state.json` names the next round for the next subprocess).
    func advance() async throws {
        let round = state.round
        while state.round == round {
            if try await honourControlRequest() { return }  // loop pause / loop stop (RunControl+RoundEngine)
            let phase = state.phase
            switch phase {
            case .working: try await workerPhase()
            case .verifying: try await verifyPhase()
            case .reviewing: try await reviewPhase()
            case .fixing: try finishRound()
            case .idle, .done, .exhausted, .failed, .interrupted, .paused, .stopped: return
            }
            // Every phase ends in a transition or throws; one that did neither would loop forever.
            guard state.phase != phase || state.round != round else {
                throw LoopError.roundFailed("the \(phase.rawValue) phase of round \(round) ended without a transition")
            }
        }
    }

    private func workerPhase() async throws {
        var record = state.currentRound
        if record.baseSHA == nil {
            guard let base = await roundBase() else {
                throw LoopError.roundFailed("cannot read HEAD of the workdir \(state.workdir)")
            }
            record.baseSHA = base
            state.currentRound = record
            // Durable: the round's base is what its files, its no-progress check and a resume
            // measure against. It also makes the previous round's end durable (saved just before).
            try transition("round_started", ["base_sha": .string(base)])
            console.info(
                "round \(state.round)/\(state.maxRounds) · \(context.card.taskID) · workdir \(paths.display(state.workdir))"
            )
        }
        try await baselineVerify()
        let report: WorkReport
        if let lanes = context.card.cardLanes {
            report = try await laneWorkerPhase(lanes)
        } else {
            report = try await obtainWorkReport()
        }
        try await commitAndRecordFacts(report: report)
    }

    /// Where this round starts: the head the previous round recorded (the PM read it from git
    /// after that round's worker, and only verify — whose sandbox cannot write the git folder —
    /// and the reviewer, whose commits the next round reviews, ran since), so a round asks git
    /// once less; round 1 asks git.
    private func roundBase() async -> String? {
        if let previous = state.rounds.last(where: { $0.round == state.round - 1 })?.headSHA, !previous.isEmpty {
            return previous
        }
        return await workdirGit.head()
    }

    private func verifyPhase() async throws {
        let commands = context.card.verify
        var results: [VerifyResult] = []
        if !commands.isEmpty {
            console.info("round \(state.round) · verifying: \(commands.count) command\(commands.count == 1 ? "" : "s")")
            results = try await runVerifyCommands(log: "verify")
            for result in results {
                let counts = result.tests.map { " (\($0.passed) passed, \($0.failed) failed, \($0.skipped) skipped)" } ?? ""
                console.info("  \(result.passed ? "PASS" : (result.timedOut ? "TIMEOUT" : "FAIL")) \(result.command)\(counts)")
            }
        }
        // Durable before the state that points at it: a state saying "reviewing" that survives
        // a power loss must never meet missing results (no results would read as passed).
        // The state itself is progress only: lost, resume verifies again. Without verify
        // commands no results is the truth (the run's card snapshot cannot gain any), so the
        // empty list needs no fsync.
        try results.write(to: verifyResultsPath, durable: !commands.isEmpty)
        let verdict = VerifyGate.Verdict(results: results)
        var record = state.currentRound
        record.verifyPassed = verdict.passed
        record.verify = verdict.evidence
        state.currentRound = record
        try state.advance(to: .reviewing)
        try transition(
            "verify_finished",
            ["passed": .bool(record.verifyPassed ?? true), "commands": .number(Double(results.count))],
            durable: false)
    }

    var verifyResultsPath: String { paths.verifyResults }

    /// The id verify commands carry in `LOOP_RUN_ID`, so leftovers can be found and ended.
    var verifyRunID: String { "\(state.runID).r\(state.round).verify" }

    /// Ends processes a dispatch or verify run left behind — even ones that escaped its
    /// process group with `setsid` — found by the `LOOP_RUN_ID` they inherited. Nothing the
    /// worker started may still be running when the reviewer works.
    func reapLeftovers(of runID: String, group: Int32? = nil) {
        LeftoverReaper(events: events, round: state.round, console: console).reap(runID, group: group)
    }

    /// Throws when a run budget (tokens, cost, duration) has run out; called at safe points.
    func checkBudgetNow() throws {
        if let exceeded = Self.budgetExceeded(state: state, paths: paths) {
            throw LoopError.other(exceeded, .exhausted)
        }
    }

    /// What ran out of a run budget, or nil when nothing did.
    static func budgetExceeded(state: RunState, paths: BusPaths) -> String? {
        let budget = Budget(options: state.options)
        guard !budget.isUnlimited else { return nil }
        return budget.exceeded(by: state, paths: paths, prices: OptionResolver.prices(configPath: paths.config))
    }

    /// The values the agent reads from its environment, passed in the dispatch request:
    /// `LOOP_UNSAFE_SHELL` (`--unsafe-shell`) and `LOOP_TOKENS_LEFT` (what a token budget
    /// leaves, so the built-in agent stops before the run's budget does).
    func agentEnvironmentNow() -> [String: String] {
        Self.agentEnvironment(state: state, paths: paths)
    }

    static func agentEnvironment(state: RunState, paths: BusPaths) -> [String: String] {
        var environment: [String: String] = [:]
        if state.options.unsafeShell { environment["LOOP_UNSAFE_SHELL"] = "1" }
        let budget = Budget(options: state.options)
        if !budget.isUnlimited, let left = budget.tokensLeft(state: state, paths: paths) {
            environment["LOOP_TOKENS_LEFT"] = String(left)
        }
        return environment
    }

    func loadVerifyResults() -> [VerifyResult] {
        guard let data = FileManager.default.contents(atPath: verifyResultsPath) else { return [] }
        return (try? JSONDecoder().decode([VerifyResult].self, from: data)) ?? []
    }
}
