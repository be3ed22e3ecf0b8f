import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

/// The reviewer's yes/no form: used only where verify failed on the base and passes now; a
/// failing verify is answered without the model; everything else gets the full review.
@Suite("Reviewer agent: focused yes/no review", .serialized, .timeLimit(.minutes(2)))
struct FocusedReviewTests {
    static let diff = "--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-RATE = 2\n+RATE = 3\n"

    /// A review request as the PM writes it, for the workspace's dispatch (task T-7, round 2).
    static func request(passed: Bool, round: Int = 2, diff: String = diff) throws -> ReviewRequest {
        let object: [String: Any] = [
            "schema_version": 1, "task_id": "T-7", "round": round, "run_id": "run42", "goal": "RATE in calc.py must be 3.",
            "acceptance_criteria": ["python3 test_calc.py prints ok"], "constraints": [], "branch": "loop/T-7",
            "workdir": "/tmp/x", "base_sha": "a", "round_base_sha": "a", "head_sha": "b", "commits": "",
            "files_changed": ["calc.py"], "round_files_changed": ["calc.py"], "diff": diff, "diff_truncated": false,
            "verification": [
                [
                    "command": "python3 test_calc.py", "exit_code": passed ? 0 : 1, "passed": passed, "timed_out": false,
                    "duration_s": 0.1, "output": passed ? "ok" : "AssertionError: 2",
                ]
            ],
            "verification_passed": passed, "fix_list": [], "worker_notes": "", "worker_tests": [],
            "worker_report_made_by_pm": false, "uncommitted_secrets": [], "requested_at": "2026-12-04T15:00:00Z",
        ]
        return try JSONDecoder().decode(ReviewRequest.self, from: JSONSerialization.data(withJSONObject: object))
    }

    static func baseline(passed: Bool) throws -> [VerifyEvidence] {
        let object: [[String: Any]] = [["command": "python3 test_calc.py", "exit_code": passed ? 0 : 1, "passed": passed, "duration_s": 0.1]]
        return try JSONDecoder().decode([VerifyEvidence].self, from: JSONSerialization.data(withJSONObject: object))
    }

    private func reviewer(_ harness: WorkerHarness) -> ReviewerAgent {
        let context = harness.workspace.context(role: .reviewer)
        return ReviewerAgent(
            model: harness.wire.client(harness.server), modelName: harness.wire.modelName, limits: AgentLimits(focusedReview: true),
            ledger: AgentLedger(context: context, backend: harness.wire.rawValue, model: harness.wire.modelName),
            output: harness.output.sink)
    }

    @Test("verify failed before and passes now: one yes/no call; yes approves, no requires changes", arguments: ["yes", "no"])
    func yesOrNo(answer: String) async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(harness.wire.text("{\n  \"answer\": \"\(answer)\"\n}"))
        let evidence = FocusedReview.Evidence(request: try Self.request(passed: true), baseline: try Self.baseline(passed: false))

        let review = try await reviewer(harness).review(prompt: "the full prompt", evidence: evidence)

        #expect(harness.chats.count == 1)
        #expect(review.decision == (answer == "yes" ? "approve" : "changes_required"))
        #expect(review.blockingIssues.count == (answer == "yes" ? 0 : 1))
        let chat = try #require(harness.chats.first)
        let question = chat.messages.last?["content"] as? String ?? ""
        #expect(question.contains("+RATE = 3") && question.contains("PASS python3 test_calc.py"))
        #expect(question.hasSuffix("Does the change do what the goal says? Answer yes or no."))
        #expect(!question.contains("the full prompt"))
        #expect(chat.object["max_tokens"] as? Int == ReviewerAgent.answerTokens)
    }

    @Test("a failing verify is changes_required naming the command, without a model call")
    func failingVerify() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let evidence = FocusedReview.Evidence(request: try Self.request(passed: false), baseline: try Self.baseline(passed: false))

        let review = try await reviewer(harness).review(prompt: "the full prompt", evidence: evidence)

        #expect(harness.chats.isEmpty)
        #expect(review.decision == "changes_required" && !review.isUnreviewed)
        #expect(review.blockingIssues.first?.reason.contains("`python3 test_calc.py` fails (exit 1): AssertionError: 2") == true)
    }

    @Test("verify that passed before the change, no verify, or an empty change: the full review")
    func fullReviewOtherwise() async throws {
        var passedBefore = FocusedReview.Evidence(request: try Self.request(passed: true), baseline: try Self.baseline(passed: true))
        #expect(FocusedReview.inapplicable(passedBefore) == "verify already passed before the change")
        passedBefore.baseline = nil
        #expect(FocusedReview.inapplicable(passedBefore) == "no baseline verify results")
        var noVerify = FocusedReview.Evidence(request: try Self.request(passed: true), baseline: try Self.baseline(passed: false))
        noVerify.request.verification = []
        #expect(FocusedReview.inapplicable(noVerify) == "the card has no verify commands")
        let empty = FocusedReview.Evidence(request: try Self.request(passed: true, diff: "\n"), baseline: try Self.baseline(passed: false))
        #expect(FocusedReview.inapplicable(empty) == "the change is empty")

        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(harness.wire.text(ReviewerAgentTests.changesRequired))
        let review = try await reviewer(harness).review(prompt: "the full prompt", evidence: noVerify)
        #expect(review.decision == "changes_required" && review.summary == "Almost there.")
        #expect(harness.chats.first?.messages.last?["content"] as? String == "the full prompt")
    }

    @Test("the evidence is read from the bus only for this dispatch's task and round; answers parse loosely")
    func evidenceAndAnswers() throws {
        let bus = NSTemporaryDirectory() + "loop-focused-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: bus) }
        try FileManager.default.createDirectory(atPath: bus, withIntermediateDirectories: true)
        let context = AgentContext(
            role: .reviewer, taskID: "T-7", round: 2, runID: "run42.r2.reviewer1", workdir: "/tmp", reportPath: "/tmp/r.json",
            busDir: bus, promptFile: "/tmp/p")
        #expect(FocusedReview.evidence(context: context) == nil)
        try JSONEncoder().encode(try Self.request(passed: true, round: 1)).write(to: URL(fileURLWithPath: bus + "/review_request.json"))
        #expect(FocusedReview.evidence(context: context) == nil)
        try JSONEncoder().encode(try Self.request(passed: true)).write(to: URL(fileURLWithPath: bus + "/review_request.json"))
        #expect(FocusedReview.evidence(context: context)?.request.round == 2)

        #expect(FocusedReview.answer("{ \"answer\": \"yes\" }") == "yes")
        #expect(FocusedReview.answer("No, it does not.") == "no")
        #expect(FocusedReview.answer("{\n  \"answer\": \"") == nil && FocusedReview.answer("maybe") == nil)
    }
}
