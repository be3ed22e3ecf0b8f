import Foundation

/// One lane's own review (`lane_review_parallel`), as a Sendable value a task group can run
/// beside the others: writes `review_requests/<lane>.json` with the lane branch's diff,
/// dispatches the reviewer for it and returns its valid `review_reports/<lane>.json`.
struct LaneReviewJob: Sendable {
    var lane: CardLane
    var target: DispatchTarget
    var previousAttempts: Int
    /// The review request without its dispatch id (set for each attempt).
    var request: ReviewRequest
    var inputs: PromptInputs
    var context: RoundContext
    var options: RunOptions
    var taskID: String
    var runID: String
    var round: Int
    var events: EventLog
    var archive: Archive

    func run(book: LaneBook) async throws -> ReviewReport {
        let loop = DispatchLoop<ReviewReport>(
            target: target, context: context, options: options, taskID: taskID, runID: runID, round: round,
            events: events, archive: archive, observer: book, previousAttempts: previousAttempts)
        let builder = PromptBuilder(templates: context.templates, repository: context.repository)
        let inputs = inputs
        let target = target
        let taskID = taskID
        let round = round
        let request = request
        let requestPath = inputs.lane?.requestPath ?? ""
        return try await loop.run(
            prompt: { id in
                var dispatchInputs = inputs
                dispatchInputs.runID = id
                return builder.prompt(for: .reviewer, dispatchInputs)
            },
            check: { id in
                ReportReader.checkReview(
                    target.reportPath, expecting: ReportIdentity(taskID: taskID, round: round, runID: id))
            },
            beforeDispatch: { id in
                var dispatched = request
                dispatched.runID = id
                dispatched.requestedAt = Timestamp.now()
                try dispatched.write(to: requestPath)
            })
    }

    /// A lane review's blocking issues for the fix list, each naming the lane; one made up when
    /// the reviewer required changes without listing any.
    static func issues(from report: ReviewReport, lane: String) -> [BlockingIssue] {
        var issues = report.blockingIssues.map { issue in
            var named = issue
            named.reason = "Lane \(lane) review: \(issue.reason)"
            named.source = "reviewer"
            return named
        }
        if report.decision == .changesRequired, issues.isEmpty {
            issues.append(
                BlockingIssue(
                    severity: "medium", file: "",
                    reason:
                        "Lane \(lane) review: changes required without a listed issue. Summary: \(report.summary ?? "(none)")",
                    source: "reviewer"))
        }
        return issues
    }
}
