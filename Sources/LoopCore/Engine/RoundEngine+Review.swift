import Foundation

extension RoundEngine {
    /// Largest diff written into review_request.json; a larger one goes to a file.
    static let requestDiffLimit = 200 * 1024

    func reviewPhase() async throws {
        var record = state.currentRound
        guard let head = record.headSHA else {
            throw LoopError.roundFailed("round \(state.round) has no recorded head")
        }
        let verify = loadVerifyResults()
        let verifyPassed = verify.allSatisfy(\.passed)
        var fixes = verify.filter { !$0.passed }.map(Self.issue(forFailed:))
        let work = ReportReader.checkWork(paths.workReport, expecting: identity(record.worker?.runID ?? ""))
        let workReport: WorkReport? = if case .valid(let report) = work { report } else { nil }
        var nonBlocking: [String] = []

        if head == state.baseSHA {
            // Nothing to review: an empty change never counts as success.
            record.decision = "no_change"
            fixes.insert(
                BlockingIssue(
                    severity: "high", file: "", reason: "The worker made no change to the repository.",
                    requiredChange: "Implement the task card's goal and commit the change.", source: "pm"), at: 0)
            console.info("round \(state.round) · the worker changed nothing; no review, next round gets a fix list")
        } else {
            let review = try await obtainReviewReport(
                record: record, head: head, verify: verify, workReport: workReport)
            record = state.currentRound
            record.decision = review.decision.rawValue
            record.blockingIssues = review.blockingIssues.count
            nonBlocking = review.nonBlockingSuggestions
            fixes = review.blockingIssues + fixes
            if review.decision == .changesRequired, review.blockingIssues.isEmpty {
                fixes.insert(
                    BlockingIssue(
                        severity: "medium", file: "",
                        reason:
                            "The reviewer required changes without listing a blocking issue. Summary: \(review.summary ?? "(none)")",
                        source: "reviewer"), at: 0)
            }
            let verdict = review.decision == .approve && verifyPassed && review.blockingIssues.isEmpty
            if review.decision == .approve, !review.blockingIssues.isEmpty {
                console.warn("the reviewer approved but listed blocking issues; treated as changes required")
            }
            if review.decision == .approve, !verifyPassed {
                console.info("round \(state.round) · reviewer approved, but verification failed: not approved")
            }
            console.info(
                "round \(state.round) · reviewer: \(review.decision.rawValue) (\(review.blockingIssues.count) blocking)"
            )
            record.approved = verdict
        }
        record.approved = record.approved ?? false
        if record.approved != true {
            let fixList = FixList(
                taskID: state.taskID, runID: state.runID, round: state.round + 1, baseSHA: state.baseSHA, headSHA: head,
                fixes: fixes, priorRoundNotes: workReport?.notes ?? "", priorReviewNonBlocking: nonBlocking)
            try AtomicFile.write(try JSONEncoder.bus.encode(fixList), to: paths.fixList)
        }
        state.currentRound = record
        state.lastDecision = record.approved == true ? "approved" : (record.decision ?? "changes_required")
        state.phase = .fixing
        try transition(
            "round_decided", ["approved": .bool(record.approved ?? false), "decision": .string(record.decision ?? "")])
        try finishRound()
    }

    /// A failed verify command as a blocking issue for the fix list.
    static func issue(forFailed result: VerifyResult) -> BlockingIssue {
        let how = result.timedOut ? "timed out" : "failed (exit \(result.exitCode.map(String.init) ?? "-"))"
        let tail = Verifier.bounded(result.output, keep: 800)
        return BlockingIssue(
            severity: "high", file: "", reason: "Verification command `\(result.command)` \(how).",
            requiredChange: "Make `\(result.command)` pass.\(tail.isEmpty ? "" : " Its output:\n\(tail)")",
            source: "verify")
    }

    private func obtainReviewReport(record: RoundRecord, head: String, verify: [VerifyResult], workReport: WorkReport?)
        async throws -> ReviewReport
    {
        if let dispatch = record.reviewer,
            case .valid(let report) = ReportReader.checkReview(paths.reviewReport, expecting: identity(dispatch.runID))
        {
            return report
        }
        guard context.dispatcher.writesReport(backend: options.reviewerBackend) || !options.autoDispatch else {
            throw LoopError.config(
                "The reviewer backend \(options.reviewerBackend) writes no report; a review is never invented. Choose another --reviewer-backend."
            )
        }
        let git = workdirGit
        let diff = try await git.diff(from: state.baseSHA, to: head)
        let files = try await git.changedFiles(from: state.baseSHA, to: head)
        let commits = try await git.commitLog(from: state.baseSHA, to: head)
        var diffPath: String?
        if diff.utf8.count > Self.requestDiffLimit || diff.utf8.count > PromptBuilder.inlineDiffLimit {
            let path = "\(paths.scratch)/r\(state.round)_diff.patch"
            try AtomicFile.write(diff, to: path)
            diffPath = path
        }
        let fixes = currentFixes()
        let history = historyLines()
        return try await dispatchUntilReport(
            role: .reviewer,
            prompt: { id in
                PromptBuilder(templates: self.context.templates, repository: self.context.repository).prompt(
                    for: .reviewer,
                    PromptInputs(
                        card: self.context.card, round: self.state.round, runID: id, workdir: self.state.workdir,
                        paths: self.paths, fixes: fixes, history: history, verifyResults: verify, diff: diff,
                        diffPath: diffPath, filesChanged: files))
            },
            check: { id in ReportReader.checkReview(self.paths.reviewReport, expecting: self.identity(id)) },
            beforeDispatch: { id in
                let truncated = diff.utf8.count > Self.requestDiffLimit
                let request = ReviewRequest(
                    taskID: self.state.taskID, round: self.state.round, runID: id, goal: self.context.card.goal,
                    acceptanceCriteria: self.context.card.acceptanceCriteria,
                    constraints: self.context.card.constraints,
                    branch: self.state.branch, workdir: self.state.workdir, baseSHA: self.state.baseSHA,
                    roundBaseSHA: record.baseSHA ?? self.state.baseSHA, headSHA: head, commits: commits,
                    filesChanged: files, roundFilesChanged: record.filesChanged,
                    diff: truncated
                        ? String(decoding: Array(diff.utf8.prefix(Self.requestDiffLimit)), as: UTF8.self) : diff,
                    diffTruncated: truncated, diffPath: diffPath, verification: verify,
                    verificationPassed: verify.allSatisfy(\.passed), fixList: fixes,
                    workerNotes: workReport?.notes ?? "",
                    workerTests: workReport?.tests ?? [], workerReportMadeByPM: workReport?.madeByPM ?? false,
                    uncommittedSecrets: record.uncommittedSecrets, requestedAt: Timestamp.now())
                try AtomicFile.write(try JSONEncoder.bus.encode(request), to: self.paths.reviewRequest)
            })
    }

    /// Archives the round and moves on: approved, exhausted, or the next round.
    func finishRound() throws {
        let record = state.currentRound
        var finished = record
        finished.finishedAt = finished.finishedAt ?? Timestamp.now()
        state.currentRound = finished
        try state.save(to: paths.state)
        try archive.keepRound(state.round, taskPath: state.taskPath)
        if record.approved == true {
            state.phase = .done
            state.result = .approved
            state.finishedAt = Timestamp.now()
            try transition("run_approved", ["head_sha": .string(state.headSHA ?? "")])
            return
        }
        try archive.keep(paths.fixList, round: state.round + 1)
        if state.round >= state.maxRounds {
            state.phase = .exhausted
            state.result = .exhausted
            state.reason = state.reason ?? "no approval after \(state.round) round\(state.round == 1 ? "" : "s")"
            state.finishedAt = Timestamp.now()
            try transition("run_exhausted")
            return
        }
        for file in [paths.workReport, paths.reviewReport, paths.reviewRequest, verifyResultsPath] {
            try archive.removeArchived(file)
        }
        state.round += 1
        state.phase = .working
        try transition("round_finished", ["next_round": .number(Double(state.round))])
    }
}
