import Foundation
import LoopCore

/// Writes the built-in agent's reports atomically, echoing the dispatch's identity.
enum ReportWriter {
    static func writeWork(_ outcome: WorkerAgent.Outcome, context: AgentContext, model: String) async throws {
        let head = (try? await Git(directory: context.workdir).line(["rev-parse", "HEAD"])) ?? ""
        let notes = outcome.finished ? outcome.summary : "(The worker did not call finish.) " + outcome.summary
        var report: [String: JSONValue] = [
            "task_id": .string(context.taskID), "round": .number(Double(context.round)), "run_id": .string(context.runID),
            "head_sha": .string(head), "files_changed": .array(outcome.filesChanged.map { .string($0) }),
            "tests": .array(outcome.commandsRun.map { .object(["name": .string($0.command), "result": .string($0.passed ? "pass" : "fail")]) }),
            "notes": .string(notes),
            "agent": .object([
                "model": .string(model), "steps": .number(Double(outcome.steps)),
                "tokens": .number(Double(outcome.tokensUsed)), "finished": .bool(outcome.finished),
            ]),
        ]
        // A turn that ended without finish says so in machine-readable form: the PM puts what
        // the worker got stuck on into the next fix list.
        report["status"] = .string(outcome.finished ? "done" : "stopped")
        if let reason = outcome.stopReason {
            report["stopped_reason"] = .string(reason.rawValue)
            if !outcome.stuckOn.isEmpty { report["stuck_on"] = .string(outcome.stuckOn) }
        }
        try AtomicFile.write(try JSONEncoder.bus.encode(JSONValue.object(report)), to: context.reportPath)
    }

    static func writeReview(_ review: ReviewerAgent.Review, context: AgentContext, model: String) throws {
        var report: [String: JSONValue] = [
            "task_id": .string(context.taskID), "round": .number(Double(context.round)), "run_id": .string(context.runID),
            "decision": .string(review.decision),
            "blocking_issues": .array(review.blockingIssues.map { issue in
                var object: [String: JSONValue] = [
                    "severity": .string(issue.severity), "file": .string(issue.file), "reason": .string(issue.reason),
                ]
                if let change = issue.requiredChange { object["required_change"] = .string(change) }
                return .object(object)
            }),
            "non_blocking_suggestions": .array(review.suggestions.map { .string($0) }),
            "summary": .string(review.summary), "agent": .object(["model": .string(model)]),
        ]
        if review.isUnreviewed { report["stopped_reason"] = .string("invalid_review") }
        try AtomicFile.write(try JSONEncoder.bus.encode(JSONValue.object(report)), to: context.reportPath)
    }
}
