import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

/// The reviewer: one schema-constrained call, a second after an invalid reply, and after two
/// invalid ones an honest `changes_required` marked unreviewed (never an approval, never a
/// failed dispatch: a weak model is not an infrastructure fault).
@Suite("Reviewer agent", .serialized, .timeLimit(.minutes(2)))
struct ReviewerAgentTests {
    static let prompt = "Review the change: greeting.txt now says hello loop. Verification: bash test.sh passed."

    static let changesRequired = json([
        "decision": "changes_required",
        "blocking_issues": [
            [
                "severity": "high", "file": "greeting.txt", "reason": "the greeting lost its newline",
                "required_change": "end the file with a newline",
            ]
        ],
        "non_blocking_suggestions": ["add a test for the greeting"], "summary": "Almost there.",
    ])

    private func reviewer(_ harness: WorkerHarness, limits: AgentLimits = AgentLimits()) -> ReviewerAgent {
        let context = harness.workspace.context(role: .reviewer)
        return ReviewerAgent(
            model: harness.wire.client(harness.server), modelName: harness.wire.modelName, limits: limits,
            ledger: AgentLedger(context: context, backend: harness.wire.rawValue, model: harness.wire.modelName),
            output: harness.output.sink)
    }

    /// Runs the reviewer expecting the stand-in review for "no valid review twice".
    private func unreviewed(_ harness: WorkerHarness) async throws -> String? {
        let review = try await reviewer(harness).run(prompt: Self.prompt)
        #expect(review.isUnreviewed && review.decision == "changes_required" && review.blockingIssues.count == 1)
        return review.isUnreviewed ? review.blockingIssues.first?.reason : nil
    }

    @Test("a valid review comes back with its decision, issues, suggestions and summary", arguments: ModelWire.allCases)
    func validReview(wire: ModelWire) async throws {
        let harness = try await WorkerHarness(wire)
        defer { harness.cleanUp() }
        harness.enqueue(wire.text(Self.changesRequired))

        let review = try await reviewer(harness).run(prompt: Self.prompt)

        #expect(review.decision == "changes_required")
        #expect(
            review.blockingIssues == [
                BlockingIssue(
                    severity: "high", file: "greeting.txt", reason: "the greeting lost its newline",
                    requiredChange: "end the file with a newline", source: "reviewer")
            ])
        #expect(review.suggestions == ["add a test for the greeting"])
        #expect(review.summary == "Almost there.")
        let request = try #require(harness.chats.first)
        #expect(harness.chats.count == 1)
        let schema: [String: Any]? =
            wire == .openAI
            ? ((request.object["response_format"] as? [String: Any])?["json_schema"] as? [String: Any])?["schema"]
                as? [String: Any]
            : request.object["format"] as? [String: Any]
        #expect(schema?["required"] as? [String] == ["decision", "blocking_issues", "summary"])
        #expect(request.messages.map { $0["role"] as? String } == ["system", "user"])
        #expect(request.messages.last?["content"] as? String == Self.prompt)
    }

    @Test("one invalid reply, then a valid one: the second call carries the correction")
    func invalidThenValid() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(
            ModelWire.openAI.text("Looks good to me!"),
            ModelWire.openAI.text(
                json(["decision": "approve", "blocking_issues": [], "summary": "Meets the criteria."])))

        let review = try await reviewer(harness).run(prompt: Self.prompt)

        #expect(
            review.decision == "approve" && review.blockingIssues.isEmpty && review.summary == "Meets the criteria.")
        let second = try #require(harness.chats.last?.messages)
        #expect(harness.chats.count == 2)
        #expect(second.count == 4)
        #expect(second[2]["content"] as? String == "Looks good to me!")
        #expect(
            second[3]["content"] as? String
                == "That was not a valid review: not a JSON object. Reply with the JSON object only.")
    }

    @Test(
        "invalid JSON twice is changes_required marked unreviewed, never an approval",
        arguments: ["Approved, ship it.", #"{"decision": "lgtm", "summary": "ok"}"#])
    func invalidTwice(reply: String) async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(ModelWire.openAI.text(reply).repeating)

        let reason = try #require(try await unreviewed(harness))

        #expect(reason.hasPrefix("The reviewer model gave no valid review twice (last problem: "))
        #expect(reason.hasSuffix("); the change was not reviewed."))
        #expect(harness.chats.count == 2)
    }

    @Test("changes_required without a blocking issue is not a valid review")
    func changesRequiredNeedsIssues() async throws {
        let harness = try await WorkerHarness(.ollama)
        defer { harness.cleanUp() }
        let empty = json(["decision": "changes_required", "blocking_issues": [], "summary": "Needs work."])
        harness.enqueue(ModelWire.ollama.text(empty).repeating)

        let reason = try #require(try await unreviewed(harness))

        #expect(reason.contains("changes_required needs at least one blocking issue"))
        let correction = harness.chats.last?.messages.last?["content"] as? String
        #expect(
            correction
                == "That was not a valid review: changes_required needs at least one blocking issue. Reply with the JSON object only."
        )
    }

    @Test("a prompt too big for the context is cut to fit, head and tail kept, and the summary says so")
    func hugePromptIsCut() async throws {
        try await checkCut(limits: AgentLimits(contextLength: 2048, replyTokens: 256))
    }

    @Test(
        "a huge prompt is cut to fit even the smallest context `loop agent` accepts (--context 512)"
    )
    func hugePromptFitsSmallestContext() async throws {
        // `loop agent --context 512` sets the reply to max(64, 512 / 4) = 128 tokens.
        try await checkCut(limits: AgentLimits(contextLength: 512, replyTokens: 128))
    }

    private func checkCut(limits: AgentLimits) async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(
            ModelWire.openAI.text(json(["decision": "approve", "blocking_issues": [], "summary": "Fine."])))
        let diff = (1...2000).map { "+line \($0) of the change" }.joined(separator: "\n")
        let prompt = "REVIEW HEAD\n" + diff + "\nREVIEW TAIL"

        let review = try await reviewer(harness, limits: limits).run(prompt: prompt)

        #expect(review.decision == "approve")
        #expect(review.summary.hasPrefix("Note: the review prompt was cut by "))
        #expect(
            review.summary.contains(
                "to fit a \(limits.contextLength)-token context; part of the change was not seen. Fine."))
        let messages = try #require(harness.chats.first?.messages)
        let sent = try #require(messages.last?["content"] as? String)
        #expect(sent.hasPrefix("REVIEW HEAD\n") && sent.hasSuffix("\nREVIEW TAIL"))
        #expect(sent.contains("bytes of the change cut to fit the model's context ...]"))
        // The agent's own estimate (3 bytes a token, 16 bytes a message) must leave room for the reply.
        let bytes = messages.reduce(0) { $0 + (($1["content"] as? String)?.utf8.count ?? 0) + 16 }
        #expect(bytes / 3 + limits.replyTokens <= limits.contextLength, "sent \(bytes) bytes (~\(bytes / 3) tokens)")
        #expect(harness.output.text.contains("reviewer prompt cut by"))
    }
}
