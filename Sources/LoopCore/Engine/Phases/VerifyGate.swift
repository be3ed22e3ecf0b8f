import Foundation

/// The verify gate: runs the task card's verify commands in the workdir and decides whether
/// the round's change passes them.
///
/// The PM gathers this evidence itself; an agent's claim that tests pass counts for nothing.
/// The gate takes its inputs and returns values — it never touches the run's state — so the
/// round engine decides what to save: the baseline before round 1, or the round's verdict.
struct VerifyGate: Sendable {
    var commands: [String]
    /// Runs the commands (in bubblewrap unless `--unsafe-verify`).
    var verifier: Verifier
    /// The workdir, to tell what the commands created or changed.
    var workdir: Git
    /// Paths the PM never commits (the bus, when it lives in the workdir).
    var busExclusions: [String]

    /// What one run of the verify commands produced.
    struct Run: Sendable {
        var results: [VerifyResult]
        /// Files the commands created or changed, with their content hash: evidence, not the
        /// worker's change, so the next commit leaves them out while they stay as verify left them.
        var artifacts: [String: String]
    }

    /// Runs every command and notes what they left in the workdir.
    /// - Parameter reapLeftovers: ends processes the commands left running (called once they are done).
    /// - Throws: `CancellationError` on a signal; `LoopError.roundFailed` when the sandbox cannot
    ///   start; `DurationBudgetCut` when the run's duration budget ended a command.
    func run(reapLeftovers: () -> Void) async throws -> Run {
        let before = Set(try await workdir.changedPaths(excluding: busExclusions))
        let results: [VerifyResult]
        do {
            results = try await verifier.run(commands)
        } catch {
            reapLeftovers()  // a command ended early (budget, signal) may have left helpers running
            throw error
        }
        reapLeftovers()
        let made = try await workdir.changedPaths(excluding: busExclusions).filter { !before.contains($0) }
        return Run(results: results, artifacts: try await workdir.hashes(of: made))
    }

    // MARK: - The decision

    /// The gate's decision on a round's verify results.
    struct Verdict: Sendable, Equatable {
        var results: [VerifyResult]

        /// True when every command passed (and when there are none: a card may verify nothing).
        var passed: Bool { results.allSatisfy(\.passed) }

        /// The evidence ledger entries for `state.json`.
        var evidence: [VerifyEvidence] { results.map(VerifyEvidence.init) }

        /// One fix-list item per failed command, with its bounded output: the next worker sees
        /// exactly what failed.
        var fixes: [BlockingIssue] { results.filter { !$0.passed }.map(VerifyGate.issue(forFailed:)) }

        /// The commands that failed, by name.
        var failingCommands: Set<String> { Set(results.filter { !$0.passed }.map(\.command)) }
    }

    /// A failed verify command as a blocking issue for the fix list.
    static func issue(forFailed result: VerifyResult) -> BlockingIssue {
        let how = result.timedOut ? "timed out" : "failed (exit \(result.exitCode.map(String.init) ?? "-"))"
        let tail = Verifier.bounded(result.output, keep: 800)
        return BlockingIssue(
            severity: "high", file: "", reason: "Verification command `\(result.command)` \(how).",
            requiredChange: "Make `\(result.command)` pass.\(tail.isEmpty ? "" : " Its output:\n\(tail)")",
            source: "verify", command: result.command)
    }
}
