import Foundation

extension RoundEngine {
    /// Commits what the worker left uncommitted (never secrets, never the bus), records the
    /// round's facts from git and moves the round on to verifying.
    func commitAndRecordFacts(report: WorkReport) async throws {
        let facts = try await commitWorkerChanges(report: report)
        var record = state.currentRound
        facts.record(into: &record)
        state.currentRound = record
        state.headSHA = facts.head
        try state.advance(to: .verifying)
        // Progress only: these facts are read from git again when a power loss takes the save
        // back (resume finds the worker's report and gathers them anew; the PM's commit is kept).
        try transition(
            "worker_finished",
            [
                "head_sha": .string(facts.head), "files_changed": .number(Double(facts.filesChanged.count)),
                "uncommitted_secrets": .array(facts.uncommittedSecrets.map { .string($0) }),
            ], durable: false)
        console.info(
            "round \(state.round) · worker done: \(facts.filesChanged.count) file\(facts.filesChanged.count == 1 ? "" : "s") changed, head \(facts.head.prefix(12))"
        )
        if !facts.uncommittedSecrets.isEmpty {
            console.warn(
                "left uncommitted because they look like secrets: \(facts.uncommittedSecrets.joined(separator: ", "))")
        }
        if !facts.committedSecrets.isEmpty {
            console.warn(
                "the worker itself committed files that look like secrets: \(facts.committedSecrets.joined(separator: ", "))")
        }
        if let claimed = report.headSHA, !claimed.isEmpty, !facts.head.hasPrefix(claimed), !claimed.hasPrefix(facts.head),
            !report.madeByPM
        {
            events.record(
                "claim_mismatch", round: state.round,
                ["claimed_head": .string(claimed), "actual_head": .string(facts.head)])
        }
    }

    /// The worker phase's git step: commits what the worker left (never secrets, never the bus,
    /// never what verify left as evidence or what was dirty at the start) and reads the facts.
    /// Changes nothing in `state`.
    private func commitWorkerChanges(report: WorkReport) async throws -> WorkerFacts {
        let git = workdirGit
        let dirtyBefore = Set(state.dirtyAtStart ?? [])
        // One git process for HEAD, branch and dirty paths; every check below is fed from it.
        let snapshot = try await git.snapshot(excluding: busExclusions)
        var changes = snapshot.changes.filter { !dirtyBefore.contains($0.path) }
        if let artifacts = state.verifyArtifacts, !artifacts.isEmpty {
            let now = try await git.hashes(of: changes.map(\.path).filter { artifacts[$0] != nil })
            changes.removeAll { change in artifacts[change.path].map { now[change.path] == $0 } ?? false }
        }
        // Secrets by name and by content (private-key blocks, token shapes): never committed,
        // named in the review request instead.
        let secrets = changes.map(\.path).filter { SecretFilter.isSecret(path: $0, workdir: state.workdir) }
        let toCommit = changes.filter { !secrets.contains($0.path) }
        let message = """
            loop: \(state.taskID) round \(state.round) worker changes

            Committed by the loop PM from what the worker left uncommitted (run \(state.runID)).
            """
        try await keepOnTaskBranch(git, snapshot: snapshot)
        var head = snapshot.head
        var committed: [String]?
        if let sha = try await git.commit(toCommit, message: message) {
            head = sha
            committed = toCommit.map(\.path)
            console.info(
                "round \(state.round) · committed \(toCommit.count) file\(toCommit.count == 1 ? "" : "s") the worker left (\(sha.prefix(12)))"
            )
        }
        guard let head else { throw LoopError.roundFailed("cannot read HEAD of \(state.workdir)") }
        let base = state.currentRound.baseSHA ?? state.baseSHA
        let roundFiles: [String]
        if snapshot.head == base {
            // The worker made no commit of its own: the round's change is exactly the PM's
            // commit (or nothing), so git need not be asked for the files again.
            roundFiles = Array(Set(committed ?? [])).sorted()
        } else {
            // The worker committed: the round's files (round base → head) and the review's
            // diff (run base → head) come from one git process.
            let runBase = state.baseSHA
            let bases = base == runBase ? [runBase] : [base, runBase]
            let diffs = try await git.diffs(to: head, from: bases)
            roundFiles = diffs[0].files
            if let run = diffs.last {
                runDiff = KnownDiff(base: runBase, head: head, diff: run.diff, files: run.files)
            }
        }
        return WorkerFacts(
            head: head, filesChanged: roundFiles, uncommittedSecrets: secrets,
            committedSecrets: roundFiles.filter { SecretFilter.isSecret(path: $0, workdir: state.workdir) },
            reportMadeByPM: report.madeByPM,
            workerStopped: report.stoppedReason ?? (report.status == "stopped" ? "stopped" : nil))
    }

    /// The worker must leave its work on the task branch: if it checked out another branch or a
    /// detached HEAD that descends from the task branch, the branch is moved there (nothing is
    /// lost); if its HEAD does not descend from the branch, the round fails rather than approve
    /// commits the branch does not hold.
    private func keepOnTaskBranch(_ git: Git, snapshot: Git.Snapshot) async throws {
        guard state.mode == "worktree", snapshot.branch != state.branch else { return }
        guard let head = snapshot.head, let tip = await git.resolve("refs/heads/\(state.branch)") else {
            throw LoopError.roundFailed("the worker left the task branch \(state.branch) and it cannot be found")
        }
        guard await git.isAncestor(tip, of: head) else {
            throw LoopError.roundFailed(
                "the worker moved the worktree off \(state.branch) to \(head.prefix(12)), which does not descend from it; "
                    + "nothing was committed. Inspect \(paths.display(state.workdir)) and continue with `loop run --resume`.")
        }
        try await git.output(["checkout", "-q", "-B", state.branch, head])
        console.warn("the worker left \(state.branch); moved the branch to its HEAD \(head.prefix(12)) and checked it out again")
    }

    /// The fix list this round must address (empty in round 1 or when there is none).
    func currentFixes() -> [BlockingIssue] {
        currentFixList()?.fixes ?? []
    }

    /// The fix list written for this round of this run, if any.
    func currentFixList() -> FixList? {
        guard state.round > 1, let fixList = FixList.load(paths.fixList),
            fixList.round == state.round, fixList.runID == state.runID
        else { return nil }
        return fixList
    }

    /// One line per round before `upTo` (default: the current round), for the prompts.
    func historyLines(upTo: Int? = nil) -> [String] {
        state.rounds.filter { $0.round < (upTo ?? state.round) }.map { record in
            var parts = ["round \(record.round):"]
            parts.append(
                record.filesChanged.isEmpty
                    ? "no files changed"
                    : "changed \(record.filesChanged.prefix(8).joined(separator: ", "))\(record.filesChanged.count > 8 ? " …" : "")"
            )
            if let head = record.headSHA { parts.append("(head \(head.prefix(12)))") }
            if let passed = record.verifyPassed { parts.append(passed ? "· verify passed" : "· verify FAILED") }
            if let stopped = record.workerStopped {
                parts.append("· worker stopped (\(stopped.replacingOccurrences(of: "_", with: " ")))")
            }
            if let decision = record.decision {
                parts.append("· reviewer: \(decision)\(record.blockingIssues.map { ", \($0) blocking" } ?? "")")
            }
            return parts.joined(separator: " ")
        }
    }
}
