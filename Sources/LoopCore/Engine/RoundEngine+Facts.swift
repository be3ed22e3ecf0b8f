import Foundation

extension RoundEngine {
    /// Commits what the worker left uncommitted (never secrets, never the bus) and records the
    /// round's facts from git: the agent's report is a claim next to them.
    func commitAndRecordFacts(report: WorkReport) async throws {
        let git = workdirGit
        let dirtyBefore = Set(state.dirtyAtStart ?? [])
        let changed = try await git.changedPaths(excluding: busExclusions).filter { !dirtyBefore.contains($0) }
        let (toCommit, secrets) = SecretFilter.partition(changed)
        let message = """
            loop: \(state.taskID) round \(state.round) worker changes

            Committed by the loop PM from what the worker left uncommitted (run \(state.runID)).
            """
        if let sha = try await git.commit(paths: toCommit, message: message) {
            console.info(
                "round \(state.round) · committed \(toCommit.count) file\(toCommit.count == 1 ? "" : "s") the worker left (\(sha.prefix(12)))"
            )
        }
        guard let head = await git.head() else { throw LoopError.roundFailed("cannot read HEAD of \(state.workdir)") }
        var record = state.currentRound
        let base = record.baseSHA ?? state.baseSHA
        let roundFiles = try await git.changedFiles(from: base, to: head)
        let committedSecrets = roundFiles.filter(SecretFilter.looksLikeSecret)
        record.headSHA = head
        record.filesChanged = roundFiles
        record.uncommittedSecrets = secrets
        record.reportMadeByPM = report.madeByPM
        state.currentRound = record
        state.headSHA = head
        state.phase = .verifying
        try transition(
            "worker_finished",
            [
                "head_sha": .string(head), "files_changed": .number(Double(roundFiles.count)),
                "uncommitted_secrets": .array(secrets.map { .string($0) }),
            ])
        console.info(
            "round \(state.round) · worker done: \(roundFiles.count) file\(roundFiles.count == 1 ? "" : "s") changed, head \(head.prefix(12))"
        )
        if !secrets.isEmpty {
            console.warn("left uncommitted because they look like secrets: \(secrets.joined(separator: ", "))")
        }
        if !committedSecrets.isEmpty {
            console.warn(
                "the worker itself committed files that look like secrets: \(committedSecrets.joined(separator: ", "))")
        }
        if let claimed = report.headSHA, !claimed.isEmpty, !head.hasPrefix(claimed), !claimed.hasPrefix(head),
            !report.madeByPM
        {
            events.record(
                "claim_mismatch", round: state.round, ["claimed_head": .string(claimed), "actual_head": .string(head)])
        }
    }

    /// The fix list this round must address (empty in round 1 or when there is none).
    func currentFixes() -> [BlockingIssue] {
        guard state.round > 1, let fixList = FixList.load(paths.fixList),
            fixList.round == state.round, fixList.runID == state.runID
        else { return [] }
        return fixList.fixes
    }

    /// One line per earlier round, for the prompts.
    func historyLines() -> [String] {
        state.rounds.filter { $0.round < state.round }.map { record in
            var parts = ["round \(record.round):"]
            parts.append(
                record.filesChanged.isEmpty
                    ? "no files changed"
                    : "changed \(record.filesChanged.prefix(8).joined(separator: ", "))\(record.filesChanged.count > 8 ? " …" : "")"
            )
            if let head = record.headSHA { parts.append("(head \(head.prefix(12)))") }
            if let passed = record.verifyPassed { parts.append(passed ? "· verify passed" : "· verify FAILED") }
            if let decision = record.decision {
                parts.append("· reviewer: \(decision)\(record.blockingIssues.map { ", \($0) blocking" } ?? "")")
            }
            return parts.joined(separator: " ")
        }
    }
}
