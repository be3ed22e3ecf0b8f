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
        let gate = VerifyGate.Verdict(results: verify)
        let work = ReportReader.checkWork(paths.workReport, expecting: identity(record.worker?.runID ?? ""))
        let workReport: WorkReport? = if case .valid(let report) = work { report } else { nil }
        var findings: [BlockingIssue] = []
        var reviewFixes: [BlockingIssue] = []
        var nonBlocking: [String] = []
        var changeSummary = ChangeSummary.line(files: [], diff: "")

        if head == state.baseSHA {
            // Nothing to review: an empty change never counts as success.
            record.decision = "no_change"
            findings.append(
                BlockingIssue(
                    severity: "high", file: "", reason: "The worker made no change to the repository.",
                    requiredChange: "Implement the task card's goal: change the files with edit_file or write_file.",
                    source: "pm"))
            findings += record.laneIssues ?? []  // a dropped lane says why nothing changed
            console.info("round \(state.round) · the worker changed nothing; no review, next round gets a fix list")
        } else {
            let git = workdirGit
            let runBase = state.baseSHA
            // The review request's commit list, read while the diff is read (two git processes
            // at once rather than one after the other: a round's wait is shorter by one).
            async let pendingCommits = git.commitLog(from: runBase, to: head)
            let (diff, files) =
                if let known = runDiff, known.base == state.baseSHA, known.head == head {
                    (known.diff, known.files)
                } else {
                    try await git.diffAndFiles(from: state.baseSHA, to: head)
                }
            changeSummary = ChangeSummary.line(files: files, diff: diff)
            findings = EvidenceCheck(
                base: baseEvidence, current: verify, filesChanged: files, outOfScope: context.card.outOfScope
            ).findings
            findings += record.laneIssues ?? []
            findings += try await laneReviewFindings(verify: verify)
            for finding in findings { console.warn("round \(state.round) · \(finding.reason)") }
            let review = try await obtainReviewReport(
                record: record, head: head, verify: verify, workReport: workReport, diff: diff, files: files,
                commits: try await pendingCommits)
            record = state.currentRound
            record.decision = review.decision.rawValue
            record.blockingIssues = review.blockingIssues.count
            nonBlocking = review.nonBlockingSuggestions
            let decided = RoundVerdict(review: review, verify: gate, findings: findings)
            reviewFixes = decided.reviewFixes
            for overrule in decided.overruled {
                switch overrule {
                case .blockingIssuesListed:
                    console.warn("the reviewer approved but listed blocking issues; treated as changes required")
                case .verifyFailed:
                    console.info("round \(state.round) · reviewer approved, but verification failed: not approved")
                case .pmFindings:
                    console.info("round \(state.round) · reviewer approved, but the PM's checks failed: not approved")
                }
            }
            var verdict = decided.approved
            if verdict, let stray = await strayCommit(reviewed: head) {
                // Only the commit that was verified and reviewed may be approved.
                verdict = false
                findings.append(stray)
                console.warn("round \(state.round) · \(stray.reason)")
            }
            console.info(
                "round \(state.round) · reviewer: \(review.decision.rawValue) (\(review.blockingIssues.count) blocking)"
            )
            record.approved = verdict
        }
        record.approved = record.approved ?? false
        var fixFile: AtomicFile.Item?
        if record.approved != true {
            record.stalled = await madeNoProgress(head: head, verify: gate)
            let fixes = RoundVerdict.fixes(
                verify: gate, findings: findings, reviewFixes: reviewFixes, stuck: Self.stuckIssue(workReport))
            let fixList = FixList(
                taskID: state.taskID, runID: state.runID, round: state.round + 1, baseSHA: state.baseSHA, headSHA: head,
                fixes: fixes, priorRoundNotes: workReport?.notes ?? "", priorReviewNonBlocking: nonBlocking,
                changeSummary: changeSummary)
            fixFile = try fixList.file(at: paths.fixList)
        }
        // The round ends with its decision: stamped here, its end is in the decision's save, which
        // the round's archive then takes as it is (finishRound saves no copy of its own).
        record.finishedAt = record.finishedAt ?? Timestamp.now()
        state.currentRound = record
        state.lastDecision = record.approved == true ? "approved" : (record.decision ?? "changes_required")
        try state.advance(to: .fixing)
        try transition(
            "round_decided", ["approved": .bool(record.approved ?? false), "decision": .string(record.decision ?? "")],
            alongside: fixFile.map { [$0] } ?? [])
    }

    /// A blocking issue when the task branch's tip is no longer the commit that was verified
    /// and reviewed (a commit added during or after the review); nil when it still is.
    func strayCommit(reviewed head: String) async -> BlockingIssue? {
        let tip: String?
        if state.mode == "worktree" {
            tip = await workdirGit.resolve("refs/heads/\(state.branch)")
        } else {
            tip = await workdirGit.head()
        }
        guard let tip, tip != head else { return nil }
        return BlockingIssue(
            severity: "high", file: "",
            reason:
                "The branch \(state.branch) moved to \(tip.prefix(12)) after \(head.prefix(12)) was verified and reviewed; the new commit was not reviewed.",
            requiredChange: "Commit only as the worker; the next round verifies and reviews the branch as it is now.",
            source: "pm")
    }

    private func obtainReviewReport(
        record: RoundRecord, head: String, verify: [VerifyResult], workReport: WorkReport?, diff: String, files: [String],
        commits: String
    ) async throws -> ReviewReport {
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
                    verificationPassed: VerifyGate.Verdict(results: verify).passed, fixList: fixes,
                    workerNotes: workReport?.notes ?? "",
                    workerTests: workReport?.tests ?? [], workerReportMadeByPM: workReport?.madeByPM ?? false,
                    uncommittedSecrets: record.uncommittedSecrets, requestedAt: Timestamp.now())
                // Read by the reviewer at once (page cache); a power loss that takes it back
                // takes back the reviewer's dispatch record too, and resume writes it again.
                try request.write(to: self.paths.reviewRequest, durable: false)
            })
    }

    /// Archives the round and moves on: approved, exhausted, or the next round.
    func finishRound() throws {
        let record = state.currentRound
        if record.finishedAt == nil {
            // A decision saved without its end (a state.json from before 2026-12-05): stamp and
            // save it for the archive copy below; the transition after it makes it durable.
            var finished = record
            finished.finishedAt = Timestamp.now()
            state.currentRound = finished
            try state.save(to: paths.state, durable: false)
        }
        try archive.keepRound(state.round, taskPath: state.taskPath)
        // Lane files share names across folders (`work_reports/a.json`, `review_reports/a.json`):
        // archived as `r<N>_<folder>_<lane>.json`.
        let laneFiles = (record.lanes ?? []).flatMap { lane in
            [
                paths.laneWorkReport(lane.laneID), paths.lanePrompt(lane.laneID), paths.laneReviewRequest(lane.laneID),
                paths.laneReviewReport(lane.laneID), paths.laneReviewPrompt(lane.laneID),
            ]
        }
        for file in laneFiles {
            let folder = ((file as NSString).deletingLastPathComponent as NSString).lastPathComponent
            let name = (file as NSString).lastPathComponent
            try archive.keep(file, round: state.round, as: folder == "run" ? name : "\(folder)_\(name)")
        }
        let end = RoundEnd.decide(
            approved: record.approved == true, isStalled: isStalled, round: state.round, maxRounds: state.maxRounds)
        if end != .approved { try archive.keep(paths.fixList, round: state.round + 1, replacedOnly: true) }
        switch end {
        case .approved:
            state.finish(.approved)
            try transition("run_approved", ["head_sha": .string(state.headSHA ?? "")])
        case .noProgress:
            // Rounds that change nothing cannot end differently: stop instead of burning the
            // rest, and ask a person a concrete question.
            let count = options.maxStalledRounds
            try writeNeedsHelp(rounds: count)
            state.needsHelp = true
            let failing = loadVerifyResults().filter { !$0.passed }.map { "`\($0.command)`" }
            let reason =
                "no progress: \(count == 1 ? "round \(state.round)" : "rounds \(state.round - count + 1)–\(state.round)") ended with the same tree"
                + (failing.isEmpty ? "" : " and the same failing verify command\(failing.count == 1 ? "" : "s") (\(failing.joined(separator: ", ")))")
                + "; see \(paths.display(paths.needsHelp))"
            state.finish(.exhausted, reason: reason)
            try transition("run_exhausted", ["reason": .string("no progress"), "needs_help": .bool(true)])
            console.warn("stopping: \(state.reason ?? "no progress")")
        case .outOfRounds:
            state.finish(.exhausted, reason: state.reason ?? "no approval after \(state.round) round\(state.round == 1 ? "" : "s")")
            try transition("run_exhausted")
        case .nextRound:
            for file in paths.roundFiles + laneFiles {
                try archive.removeArchived(file)
            }
            try state.startNextRound()
            // Made durable by the next round's `round_started` a moment later; a power loss in
            // between leaves the decided round, and resume finishes it again.
            try transition("round_finished", ["next_round": .number(Double(state.round))], durable: false)
        }
    }
}
