import Foundation
import LoopCore

/// Writes the built-in agent's reports atomically, echoing the dispatch's identity.
enum ReportWriter {
    static func writeWork(_ outcome: WorkerAgent.Outcome, context: AgentContext, model: String) async throws {
        try await workReport(outcome, context: context, model: model).write(to: context.reportPath)
    }

    static func writeReview(_ review: ReviewerAgent.Review, context: AgentContext, model: String) throws {
        try reviewReport(review, context: context, model: model).write(to: context.reportPath)
    }

    /// The worker's report for a finished (or stopped) turn.
    static func workReport(_ outcome: WorkerAgent.Outcome, context: AgentContext, model: String) async -> WorkReport {
        let head = (try? await Git(directory: context.workdir).line(["rev-parse", "HEAD"])) ?? ""
        var notes = outcome.finished ? outcome.summary : "(The worker did not call finish.) " + outcome.summary
        if !outcome.repairSummary.isEmpty, !notes.contains(outcome.repairSummary) { notes += "\n" + outcome.repairSummary }
        // A turn that ended without finish says so in machine-readable form: the PM puts what
        // the worker got stuck on into the next fix list.
        let stuckOn = outcome.stopReason != nil && !outcome.stuckOn.isEmpty ? outcome.stuckOn : nil
        return WorkReport(
            taskID: context.taskID, round: context.round, runID: context.runID, headSHA: head,
            filesChanged: outcome.filesChanged,
            notes: notes,
            tests: outcome.commandsRun.map { ClaimedTest(name: $0.command, result: $0.passed ? "pass" : "fail") },
            status: outcome.finished ? "done" : "stopped", stoppedReason: outcome.stopReason?.rawValue,
            stuckOn: stuckOn,
            agent: AgentStamp(
                model: model, steps: outcome.steps, tokens: outcome.tokensUsed, finished: outcome.finished))
    }

    /// The reviewer's report; an unreviewed change says so (`stopped_reason: invalid_review`).
    static func reviewReport(_ review: ReviewerAgent.Review, context: AgentContext, model: String) -> ReviewReport {
        ReviewReport(
            taskID: context.taskID, round: context.round, runID: context.runID,
            // The reviewer only ever produces the two valid decisions; anything else is no approval.
            decision: ReviewDecision(rawValue: review.decision) ?? .changesRequired,
            // The file carries what the reviewer said; who raised it (`source`) is the PM's to add.
            blockingIssues: review.blockingIssues.map {
                BlockingIssue(severity: $0.severity, file: $0.file, reason: $0.reason, requiredChange: $0.requiredChange)
            },
            nonBlockingSuggestions: review.suggestions, summary: review.summary,
            stoppedReason: review.isUnreviewed ? "invalid_review" : nil, agent: AgentStamp(model: model))
    }
}
