import Foundation

/// `lane_review_parallel`: besides the task's review of the merged diff, each merged lane is
/// reviewed on its own (its branch's diff, its owner paths and acceptance checks), up to
/// `max_parallel_workers` at once. A lane review's blocking issues refuse approval and go to
/// the fix list, naming the lane.
extension RoundEngine {
    /// Runs the lane reviews not yet decided (a resumed round keeps the decided ones) and
    /// returns every lane review's blocking issues.
    func laneReviewFindings(verify: [VerifyResult]) async throws -> [BlockingIssue] {
        guard let settings = context.card.cardLanes, settings.reviewParallel else { return [] }
        try Filesystem.createDirectory(paths.laneReviewRequests)
        try Filesystem.createDirectory(paths.laneReviewReports)
        let lanes = settings.lanes.sorted { $0.laneID < $1.laneID }
        // A review already written for the recorded dispatch (the PM was killed while it waited) is used.
        for lane in lanes {
            guard let record = laneRecord(lane.laneID), record.reviewDecision == nil, let review = record.review,
                case .valid(let report) = ReportReader.checkReview(
                    paths.laneReviewReport(lane.laneID), expecting: identity(review.runID))
            else { continue }
            var lanesNow = state.currentRound.lanes ?? []
            if let index = lanesNow.firstIndex(where: { $0.laneID == lane.laneID }) {
                lanesNow[index].reviewDecision = report.decision.rawValue
                lanesNow[index].reviewIssues = LaneReviewJob.issues(from: report, lane: lane.laneID)
                var round = state.currentRound
                round.lanes = lanesNow
                state.currentRound = round
                try transition(
                    "lane_reviewed", ["lane_id": .string(lane.laneID), "decision": .string(report.decision.rawValue)])
            }
        }
        var jobs: [LaneReviewJob] = []
        for lane in lanes {
            guard let record = laneRecord(lane.laneID), record.status == .merged, record.reviewDecision == nil,
                let job = try await laneReviewJob(lane, record: record, verify: verify)
            else { continue }
            jobs.append(job)
        }
        if !jobs.isEmpty {
            console.info(
                "round \(state.round) · reviewing \(jobs.count) lane\(jobs.count == 1 ? "" : "s") on their own")
            let book = LaneBook(state: state, paths: paths, events: events)
            do {
                try await LaneScheduler.run(jobs, limit: options.maxParallelWorkers) { job in
                    try await book.finishReview(job.lane.laneID, with: job.run(book: book))
                }
            } catch {
                state = await book.state
                throw error
            }
            state = await book.state
        }
        for record in state.currentRound.lanes ?? [] where record.reviewDecision != nil {
            console.info("round \(state.round) · lane \(record.laneID) review: \(record.reviewDecision ?? "")")
        }
        return (state.currentRound.lanes ?? []).flatMap { $0.reviewIssues ?? [] }
    }

    private func laneReviewJob(_ lane: CardLane, record: LaneRecord, verify: [VerifyResult]) async throws
        -> LaneReviewJob?
    {
        guard let base = record.baseSHA, let head = record.headSHA, base != head else { return nil }
        let git = workdirGit
        let diff = try await git.diff(from: base, to: head)
        let commits = try await git.commitLog(from: base, to: head)
        let files = record.filesChanged ?? []
        let requestPath = paths.laneReviewRequest(lane.laneID)
        let reportPath = paths.laneReviewReport(lane.laneID)
        let truncated = diff.utf8.count > Self.requestDiffLimit
        var laneReport: WorkReport?
        if let dispatch = record.dispatch,
            case .valid(let report) = ReportReader.checkWork(
                paths.laneWorkReport(lane.laneID), expecting: identity(dispatch.runID))
        {
            laneReport = report
        }
        var request = ReviewRequest(
            taskID: state.taskID, round: state.round, runID: "", goal: context.card.goal,
            acceptanceCriteria: context.card.acceptanceCriteria, constraints: context.card.constraints,
            branch: record.branch, workdir: record.worktree, baseSHA: base, roundBaseSHA: base, headSHA: head,
            commits: commits, filesChanged: files, roundFilesChanged: files,
            diff: truncated ? String(decoding: Array(diff.utf8.prefix(Self.requestDiffLimit)), as: UTF8.self) : diff,
            diffTruncated: truncated, diffPath: nil, verification: verify,
            verificationPassed: VerifyGate.Verdict(results: verify).passed, fixList: currentFixes(),
            workerNotes: laneReport?.notes ?? "", workerTests: laneReport?.tests ?? [],
            workerReportMadeByPM: laneReport?.madeByPM ?? false, uncommittedSecrets: [], requestedAt: "")
        request.laneID = lane.laneID
        request.laneOwnerPaths = lane.ownerPaths
        request.laneAcceptanceChecks = lane.acceptanceChecks
        let target = DispatchTarget(
            role: .reviewer, laneID: lane.laneID, ownerPaths: lane.ownerPaths, backend: options.reviewerBackend,
            model: options.model(for: .reviewer), workdir: state.workdir, reportPath: reportPath,
            promptPath: paths.laneReviewPrompt(lane.laneID),
            logPath: paths.laneReviewLog(task: state.taskID, round: state.round, lane: lane.laneID),
            heartbeatPath: paths.laneReviewHeartbeat(lane.laneID))
        var inputs = PromptInputs(
            card: context.card, round: state.round, runID: "", workdir: state.workdir, paths: paths,
            fixes: currentFixes(), history: historyLines(), verifyResults: verify, diff: diff, filesChanged: files)
        inputs.lane = LanePromptContext(
            laneID: lane.laneID, ownerPaths: lane.ownerPaths, dependsOn: lane.dependsOn,
            acceptanceChecks: lane.acceptanceChecks, reportPath: reportPath, requestPath: requestPath)
        return LaneReviewJob(
            lane: lane, target: target, previousAttempts: record.review?.attempt ?? 0, request: request, inputs: inputs,
            context: context, options: options, taskID: state.taskID, runID: state.runID, round: state.round,
            events: events, archive: archive)
    }
}
