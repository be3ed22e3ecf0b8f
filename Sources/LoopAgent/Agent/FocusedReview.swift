import Foundation
import LoopCore

/// The built-in reviewer's short form for small models: the goal, the acceptance criteria,
/// the verify results and the diff, and one yes/no question — used only when the card's verify
/// demonstrably judges the change (it failed on the untouched base and passes now).
///
/// Why: with SmolLM2-135M the full review prompt (contract, guidance, card, change) gave no
/// valid review on a correct, verified one-line fix: the reply ran away repeating one blocking
/// issue until the reply cap, twice. Asked yes/no with a five-token schema it answers at once.
/// Its answer is weak evidence — measured, it said "yes" to correct and wrong diffs alike —
/// which is why this form is only used where verify already failed before the change and
/// passes after it, and a failing verify is answered "changes required" without asking.
/// Everything else (no verify, verify that passed before any change, no request on the bus)
/// gets the full review.
struct FocusedReview {
    /// What the reviewer knows from the bus.
    struct Evidence: Sendable {
        var request: ReviewRequest
        /// The verify results on the untouched base (round 1's baseline), when the PM took them.
        var baseline: [VerifyEvidence]?
    }

    /// Why the focused form does not apply, or nil when it does.
    static func inapplicable(_ evidence: Evidence) -> String? {
        let request = evidence.request
        if request.verification.isEmpty { return "the card has no verify commands" }
        if request.verificationPassed {
            guard let baseline = evidence.baseline, !baseline.isEmpty else { return "no baseline verify results" }
            if baseline.allSatisfy(\.passed) { return "verify already passed before the change" }
            if request.diff.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, request.diffPath == nil {
                return "the change is empty"
            }
        }
        return nil
    }

    /// Loads the review request of this dispatch and the run's baseline from the bus; nil
    /// when the request is missing, unreadable or for another round.
    static func evidence(context: AgentContext) -> Evidence? {
        guard let data = FileManager.default.contents(atPath: "\(context.busDir)/\(BusPaths.reviewRequest)"),
            let request = try? JSONDecoder().decode(ReviewRequest.self, from: data),
            request.taskID == context.taskID, request.round == context.round
        else { return nil }
        let state = try? RunState.load(from: "\(context.busDir)/\(BusPaths.state)")
        return Evidence(request: request, baseline: state?.baselineVerify)
    }

    /// A failing verify command blocks approval (the reviewer's own rule): the review says
    /// which, without a model call.
    static func failingVerify(_ request: ReviewRequest) -> ReviewerAgent.Review {
        let failing = request.verification.filter { !$0.passed }
        let issues = failing.map { result in
            BlockingIssue(
                severity: "high", file: "",
                reason: "verify command `\(result.command)` fails (exit \(result.exitCode.map(String.init) ?? "none")): "
                    + WorkerAgent.tail(result.output, 200),
                requiredChange: "Change the code so `\(result.command)` passes.", source: "reviewer")
        }
        return ReviewerAgent.Review(
            decision: "changes_required", blockingIssues: issues, suggestions: [],
            summary: "Not approved: \(failing.count) of \(request.verification.count) verify commands fail; "
                + "a failing verify command blocks approval, so the model was not asked.")
    }

    /// The reply schema: one word.
    static let schema: JSONValue = .object([
        "type": .string("object"),
        "properties": .object(["answer": .object(["type": .string("string"), "enum": .array([.string("yes"), .string("no")])])]),
        "required": .array([.string("answer")]),
    ])

    static let system = "You review a code change. Answer yes or no as JSON: {\"answer\": \"yes\"} or {\"answer\": \"no\"}."

    /// The question, with the diff cut to `diffBytes`.
    static func question(_ request: ReviewRequest, diffBytes: Int) -> String {
        let criteria = request.acceptanceCriteria.map { "- \($0)" }.joined(separator: "\n")
        let checks = request.verification.map { "\($0.passed ? "PASS" : "FAIL") \($0.command)" }.joined(separator: "\n")
        var diff = request.diff
        if diff.utf8.count > diffBytes {
            diff = String(decoding: Array(diff.utf8).prefix(diffBytes), as: UTF8.self) + "\n[... diff cut to fit the model's context ...]"
        }
        return """
            Goal: \(request.goal)

            Acceptance criteria:
            \(criteria)

            Checks run after the change:
            \(checks)

            The change:
            ```diff
            \(diff)
            ```

            Does the change do what the goal says? Answer yes or no.
            """
    }

    /// "yes", "no" or nil from a reply (the JSON answer, or a bare word from a server that
    /// ignores the schema).
    static func answer(_ reply: String) -> String? {
        if let object = ActionParser.firstJSONObject(in: reply), let answer = object["answer"]?.stringValue?.lowercased(),
            ["yes", "no"].contains(answer)
        {
            return answer
        }
        let word = reply.trimmingCharacters(in: .whitespacesAndNewlines).lowercased().prefix { $0.isLetter }
        return ["yes", "no"].contains(String(word)) ? String(word) : nil
    }

    /// The review from the model's answer.
    static func review(answer: String, request: ReviewRequest) -> ReviewerAgent.Review {
        let passed = "\(request.verification.count) verify command\(request.verification.count == 1 ? "" : "s") pass, and failed before the change"
        if answer == "yes" {
            return ReviewerAgent.Review(
                decision: "approve", blockingIssues: [], suggestions: [],
                summary: "Approved: asked whether the change does what the goal says, the reviewer model answered yes; \(passed).")
        }
        return ReviewerAgent.Review(
            decision: "changes_required",
            blockingIssues: [
                BlockingIssue(
                    severity: "medium", file: request.filesChanged.first ?? "",
                    reason: "The reviewer model judged that the change does not do what the goal says: \(request.goal.prefix(200))",
                    requiredChange: "Re-read the goal and change the code so it does exactly that.", source: "reviewer")
            ], suggestions: [],
            summary: "Not approved: the reviewer model answered no to whether the change does what the goal says; \(passed).")
    }
}
