/// The round's decision from what the reviewer said, what verify found and what the PM's own
/// checks found: approved only when all three agree.
///
/// A pure value: the review phase gathers the inputs, this decides, and the engine saves it.
struct RoundVerdict: Sendable, Equatable {
    /// The reviewer approved, verification passed, nothing blocks and the PM found nothing.
    var approved: Bool
    /// The reviewer's blocking issues for the fix list (one made up when the reviewer required
    /// changes without listing any).
    var reviewFixes: [BlockingIssue]
    /// Why an approval by the reviewer does not count, for the console.
    var overruled: [Overrule]

    /// A reason the reviewer's approval is not the round's.
    enum Overrule: Sendable, Equatable {
        case blockingIssuesListed
        case verifyFailed
        case pmFindings
    }

    init(review: ReviewReport, verify: VerifyGate.Verdict, findings: [BlockingIssue]) {
        var reviewFixes = review.blockingIssues
        if review.decision == .changesRequired, review.blockingIssues.isEmpty {
            reviewFixes.append(
                BlockingIssue(
                    severity: "medium", file: "",
                    reason:
                        "The reviewer required changes without listing a blocking issue. Summary: \(review.summary ?? "(none)")",
                    source: "reviewer"))
        }
        var overruled: [Overrule] = []
        if review.decision == .approve {
            if !review.blockingIssues.isEmpty { overruled.append(.blockingIssuesListed) }
            if !verify.passed { overruled.append(.verifyFailed) }
            if !findings.isEmpty { overruled.append(.pmFindings) }
        }
        self.reviewFixes = reviewFixes
        self.overruled = overruled
        approved = review.decision == .approve && verify.passed && review.blockingIssues.isEmpty && findings.isEmpty
    }

    /// The fix list, in the order the next worker should work through it: failed verify
    /// commands, the PM's findings, the reviewer's blocking issues, what the worker got stuck on.
    static func fixes(
        verify: VerifyGate.Verdict, findings: [BlockingIssue], reviewFixes: [BlockingIssue], stuck: BlockingIssue?
    ) -> [BlockingIssue] {
        verify.fixes + findings + reviewFixes + [stuck].compactMap { $0 }
    }
}
