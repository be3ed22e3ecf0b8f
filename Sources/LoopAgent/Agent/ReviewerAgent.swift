import Foundation
package import LoopCore

/// The built-in reviewer: one constrained call (a second after an invalid reply) that must
/// produce a valid review. A reviewer that fails twice is a failed dispatch, never an approval.
package struct ReviewerAgent: Sendable {
    package var model: any ChatModel
    package var modelName: String
    package var limits: AgentLimits
    package var ledger: AgentLedger
    package var output: @Sendable (String) -> Void

    package init(
        model: any ChatModel, modelName: String, limits: AgentLimits, ledger: AgentLedger,
        output: @escaping @Sendable (String) -> Void
    ) {
        self.model = model
        self.modelName = modelName
        self.limits = limits
        self.ledger = ledger
        self.output = output
    }

    /// The review, as the fields of a review report.
    package struct Review: Sendable, Equatable {
        package var decision: String
        package var blockingIssues: [BlockingIssue]
        package var suggestions: [String]
        package var summary: String
        /// The model gave no valid review: this is the PM-visible stand-in, never an approval.
        package var isUnreviewed: Bool = false
    }

    /// The schema the reply is constrained to (and validated against).
    package static let schema: JSONValue = .object([
        "type": .string("object"),
        "properties": .object([
            "decision": .object(["type": .string("string"), "enum": .array([.string("approve"), .string("changes_required")])]),
            "blocking_issues": .object([
                "type": .string("array"),
                "items": .object([
                    "type": .string("object"),
                    "properties": .object([
                        "severity": .object(["type": .string("string"), "enum": .array([.string("high"), .string("medium"), .string("low")])]),
                        "file": .object(["type": .string("string")]),
                        "reason": .object(["type": .string("string")]),
                        "required_change": .object(["type": .string("string")]),
                    ]),
                    "required": .array([.string("severity"), .string("file"), .string("reason")]),
                ]),
            ]),
            "non_blocking_suggestions": .object(["type": .string("array"), "items": .object(["type": .string("string")])]),
            "summary": .object(["type": .string("string")]),
        ]),
        "required": .array([.string("decision"), .string("blocking_issues"), .string("summary")]),
    ])

    /// Reviews the change described by `prompt` (the PM's rendered reviewer prompt).
    package func run(prompt: String) async throws -> Review {
        var estimator = TokenEstimator()
        let window = limits.contextLength - limits.replyTokens - 64
        var text = prompt
        var cutNote = ""
        let system = """
            You are a strict code reviewer. You judge whether the change meets the task's acceptance criteria and
            whether the PM's verification passed. Reply with ONE JSON object: {"decision": "approve" or
            "changes_required", "blocking_issues": [{"severity": "high|medium|low", "file": "...", "reason": "...",
            "required_change": "..."}], "non_blocking_suggestions": [], "summary": "..."}. Approve only when every
            criterion is met and verification passed; changes_required needs at least one concrete blocking issue.
            """
        let systemTokens = estimator.estimate([ChatMessage(role: .system, content: system)])
        let needed = estimator.estimate([ChatMessage(role: .user, content: text)]) + systemTokens
        if needed > window {
            let keep = max(256, (window - systemTokens - 32) * 3)
            let bytes = Array(text.utf8)
            let cut = bytes.count - keep
            text = String(decoding: bytes.prefix(keep * 2 / 3), as: UTF8.self)
                + "\n[... \(cut) bytes of the change cut to fit the model's context ...]\n"
                + String(decoding: bytes.suffix(keep / 3), as: UTF8.self)
            cutNote = "Note: the review prompt was cut by \(cut) bytes to fit a \(limits.contextLength)-token context; part of the change was not seen. "
            output("[loop-agent] reviewer prompt cut by \(cut) bytes to fit the context")
        }
        var messages = [ChatMessage(role: .system, content: system), ChatMessage(role: .user, content: text)]
        var lastProblem = ""
        for attempt in 1...2 {
            let request = ChatRequest(
                model: modelName, messages: messages, responseSchema: Self.schema, temperature: 0.1, seed: 7,
                maxTokens: limits.replyTokens, contextLength: limits.contextLength, keepAlive: "30m")
            output("[loop-agent] review attempt \(attempt)")
            let response = try await model.chat(request) { token in output(token) }
            ledger.record(response, step: attempt)
            estimator.calibrate(messages: messages, promptTokens: response.usage.promptTokens)
            switch Self.validate(response.content) {
            case .success(var review):
                review.summary = cutNote + review.summary
                return review
            case .failure(let problem):
                lastProblem = problem.reason
                output("[loop-agent] invalid review: \(problem.reason)")
                messages.append(ChatMessage(role: .assistant, content: response.content))
                messages.append(ChatMessage(
                    role: .user, content: "That was not a valid review: \(problem.reason). Reply with the JSON object only."))
            }
        }
        return unreviewed(lastProblem: lastProblem, note: cutNote)
    }

    /// A weak model that cannot produce a review is not an infrastructure fault: the round
    /// goes on, honestly not approved, and the next round's fix list says why.
    private func unreviewed(lastProblem: String, note: String = "") -> Review {
        output("[loop-agent] no valid review twice; writing changes_required: the change was not reviewed")
        return Review(
            decision: "changes_required",
            blockingIssues: [
                BlockingIssue(
                    severity: "high", file: "",
                    reason: "The reviewer model gave no valid review twice (last problem: \(lastProblem)); the change was not reviewed.",
                    source: "reviewer")
            ], suggestions: [], summary: note + "No valid review from the model: not approved.", isUnreviewed: true)
    }

    /// The focused yes/no review where it applies (see `FocusedReview`), else the full one.
    func review(prompt: String, evidence: FocusedReview.Evidence?) async throws -> Review {
        guard let evidence else { return try await run(prompt: prompt) }
        if let why = FocusedReview.inapplicable(evidence) {
            output("[loop-agent] full review: \(why)\n")
            return try await run(prompt: prompt)
        }
        let request = evidence.request
        guard request.verificationPassed else {
            output("[loop-agent] verify fails: changes_required without asking the model\n")
            return FocusedReview.failingVerify(request)
        }
        let estimator = TokenEstimator()
        let overhead = estimator.estimate([
            ChatMessage(role: .system, content: FocusedReview.system),
            ChatMessage(role: .user, content: FocusedReview.question(request, diffBytes: 0)),
        ])
        let diffBytes = max(512, (limits.contextLength - Self.answerTokens - 64 - overhead) * 3)
        let messages = [
            ChatMessage(role: .system, content: FocusedReview.system),
            ChatMessage(role: .user, content: FocusedReview.question(request, diffBytes: diffBytes)),
        ]
        var lastProblem = ""
        for attempt in 1...2 {
            output("[loop-agent] focused review attempt \(attempt): does the change do what the goal says?\n")
            let response = try await model.chat(
                ChatRequest(
                    model: modelName, messages: messages, responseSchema: FocusedReview.schema, temperature: 0, seed: 7,
                    maxTokens: Self.answerTokens, contextLength: limits.contextLength, keepAlive: "30m")
            ) { token in output(token) }
            ledger.record(response, step: attempt)
            if let answer = FocusedReview.answer(response.content) {
                output("\n[loop-agent] answer: \(answer)\n")
                return FocusedReview.review(answer: answer, request: request)
            }
            lastProblem = "no yes/no answer in \"\(response.content.prefix(80))\""
        }
        return unreviewed(lastProblem: lastProblem)
    }

    /// Room for `{"answer": "yes"}` with the whitespace a small model puts around it.
    static let answerTokens = 32

    /// Validates a reply against the review schema ourselves: servers may ignore the schema.
    static func validate(_ reply: String) -> Result<Review, ActionError> {
        guard let object = ActionParser.firstJSONObject(in: reply) else { return .failure(ActionError("not a JSON object")) }
        guard let decision = object["decision"]?.stringValue, ["approve", "changes_required"].contains(decision) else {
            return .failure(ActionError("\"decision\" must be \"approve\" or \"changes_required\""))
        }
        guard let rawIssues = object["blocking_issues"]?.arrayValue ?? (object["blocking_issues"] == nil ? [] : nil) else {
            return .failure(ActionError("\"blocking_issues\" must be a list"))
        }
        var issues: [BlockingIssue] = []
        for item in rawIssues {
            guard let issue = item.objectValue, let reason = issue["reason"]?.stringValue, !reason.isEmpty else {
                return .failure(ActionError("every blocking issue needs a \"reason\""))
            }
            let severity = issue["severity"]?.stringValue ?? "medium"
            issues.append(BlockingIssue(
                severity: ["high", "medium", "low"].contains(severity) ? severity : "medium",
                file: issue["file"]?.stringValue ?? "", reason: reason,
                requiredChange: issue["required_change"]?.stringValue, source: "reviewer"))
        }
        if decision == "changes_required" && issues.isEmpty {
            return .failure(ActionError("changes_required needs at least one blocking issue"))
        }
        let suggestions = object["non_blocking_suggestions"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return .success(Review(
            decision: decision, blockingIssues: issues, suggestions: suggestions,
            summary: object["summary"]?.stringValue ?? ""))
    }
}
