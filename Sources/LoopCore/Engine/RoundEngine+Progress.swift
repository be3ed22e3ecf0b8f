import Foundation

/// Verify runs, the run's baseline, the PM's evidence checks and the no-progress stop.
extension RoundEngine {
    /// The verify gate for this round, logging to `logs/<task>/r<N>_<log>.log`.
    func verifyGate(log: String) -> VerifyGate {
        let verifier = Verifier(
            workdir: state.workdir, timeout: options.verifyTimeout,
            logPath: paths.roundLog(task: state.taskID, round: state.round, role: log),
            environment: [
                "LOOP_TASK_ID": state.taskID, "LOOP_ROUND": String(state.round), "LOOP_BUS_DIR": paths.root,
                "LOOP_RUN_ID": verifyRunID,
            ],
            sandbox: VerifySandbox(
                isEnabled: !options.unsafeVerify, allowsNetwork: context.card.verifyNetwork ?? options.verifyNetwork),
            budgetEnd: Budget(options: options).durationLeft(state: state).map { .now + .seconds($0) })
        return VerifyGate(
            commands: context.card.verify, verifier: verifier, workdir: workdirGit, busExclusions: busExclusions)
    }

    /// Runs the card's verify commands in the workdir. What they create or change is
    /// remembered as evidence, not the worker's change, so the next commit leaves it out.
    func runVerifyCommands(log: String) async throws -> [VerifyResult] {
        let run: VerifyGate.Run
        do {
            run = try await verifyGate(log: log).run(reapLeftovers: { reapLeftovers(of: verifyRunID) })
        } catch is DurationBudgetCut {
            throw DurationBudgetCut(what: log.replacingOccurrences(of: "_", with: " "))
        }
        var artifacts = state.verifyArtifacts ?? [:]
        artifacts.merge(run.artifacts) { _, new in new }
        state.verifyArtifacts = artifacts
        return run.results
    }

    /// Before round 1's worker: runs verify on the untouched base, so round 1's worker sees
    /// what already fails, and round 1's test counts have something to be compared with.
    func baselineVerify() async throws {
        guard state.round == 1, state.baselineVerify == nil, state.currentRound.worker == nil,
            !context.card.verify.isEmpty
        else { return }
        console.info("round 1 · verifying the base first: \(context.card.verify.count) command\(context.card.verify.count == 1 ? "" : "s")")
        let results = try await runVerifyCommands(log: "baseline_verify")
        try results.write(to: paths.baselineVerify)
        try archive.keep(paths.baselineVerify, round: 1)
        state.baselineVerify = results.map(VerifyEvidence.init)
        let failing = results.filter { !$0.passed }.count
        try transition(
            "baseline_verified", ["commands": .number(Double(results.count)), "failing": .number(Double(failing))])
        console.info(
            "  base: \(failing) of \(results.count) verify command\(results.count == 1 ? "" : "s") \(failing == 1 ? "fails" : "fail") before any change")
    }

    /// The baseline results that failed, for round 1's worker prompt.
    func baselineFailures() -> [VerifyResult] {
        guard state.round == 1, let data = FileManager.default.contents(atPath: paths.baselineVerify),
            let results = try? JSONDecoder().decode([VerifyResult].self, from: data)
        else { return [] }
        return results.filter { !$0.passed }
    }

    /// The verify evidence at this round's base: the previous round's, or the baseline.
    var baseEvidence: [VerifyEvidence] {
        if let previous = state.rounds.last(where: { $0.round == state.round - 1 }), let verify = previous.verify {
            return verify
        }
        return state.baselineVerify ?? []
    }

    /// What the worker got stuck on, as a fix-list item: the next worker must not repeat it.
    static func stuckIssue(_ report: WorkReport?) -> BlockingIssue? {
        guard let report, report.status == "stopped" || report.stoppedReason != nil else { return nil }
        let why = report.stoppedReason.map { $0.replacingOccurrences(of: "_", with: " ") } ?? "stopped"
        let what = report.stuckOn.flatMap { $0.isEmpty ? nil : $0 } ?? Verifier.bounded(report.notes, keep: 300)
        return BlockingIssue(
            severity: "medium", file: "", reason: "Last round the worker got stuck (\(why)): \(what)",
            requiredChange: "Do not repeat that action. Change the code with edit_file or write_file instead.",
            source: "worker")
    }

    /// Whether this round made no progress: the same tree as its base, and the same verify
    /// commands failing as at its base.
    func madeNoProgress(head: String, verify: VerifyGate.Verdict) async -> Bool {
        let failing = verify.failingCommands
        let failingBefore = Set(baseEvidence.filter { !$0.passed }.map(\.command))
        guard failing == failingBefore else { return false }
        let base = state.currentRound.baseSHA ?? state.baseSHA
        if head == base { return true }
        // The round's files are `git diff --name-only base head` (WorkerFacts), recorded for this
        // very head: none means the same tree, so git need not be asked again.
        let record = state.currentRound
        if record.headSHA == head, record.baseSHA == base { return record.filesChanged.isEmpty }
        guard let trees = try? await workdirGit.output(["rev-parse", "\(base)^{tree}", "\(head)^{tree}"]) else {
            return false
        }
        let lines = trees.split(separator: "\n")
        return lines.count == 2 && lines[0] == lines[1]
    }

    /// True when the last `max_stalled_rounds` rounds all made no progress.
    var isStalled: Bool {
        let count = options.maxStalledRounds
        guard count > 0 else { return false }
        let recent = state.rounds.filter { $0.round <= state.round }.suffix(count)
        return recent.count == count && recent.allSatisfy { $0.stalled == true }
    }

    /// Writes `needs_help.json`: what fails and what was tried, and one question for a person.
    func writeNeedsHelp(rounds: Int) throws {
        let failing = loadVerifyResults().filter { !$0.passed }.map { result in
            NeedsHelp.Failing(
                command: result.command, exitCode: result.exitCode,
                outputTail: String(Verifier.bounded(result.output, keep: 600).suffix(1200)))
        }
        let tried = historyLines(upTo: state.round + 1)
        let what =
            failing.isEmpty
            ? "the reviewer keeps requiring changes the worker does not make"
            : failing.map { "`\($0.command)` still fails" }.joined(separator: ", ")
        let question =
            "The last \(rounds) rounds changed nothing that mattered: \(what). "
            + "What should the worker do differently? Make the task card more specific (goal, in_scope, acceptance_criteria), "
            + "fix it by hand, or use a stronger model; then `loop run --resume --max-rounds N` continues."
        let help = NeedsHelp(
            taskID: state.taskID, runID: state.runID, round: state.round, reason: "no_progress", question: question,
            failing: failing, tried: tried)
        try help.write(to: paths.needsHelp)
        try archive.keep(paths.needsHelp, round: state.round)
    }
}
