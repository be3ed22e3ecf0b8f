import Foundation

/// `review_report.json`: the reviewer's report. Only a well-formed report for the current
/// dispatch counts.
///
/// One type for both directions, like `WorkReport`: the built-in agent writes it with
/// `write(to:)`, the PM reads it through `FieldReader`. Reading marks every blocking issue as
/// raised by the reviewer (`source`). Fields this type does not model are kept in
/// `unknownFields` and written back unchanged.
package struct ReviewReport: Codable, BusDocument, Sendable, Equatable {
    package var taskID: String
    package var round: Int
    package var runID: String?
    package var decision: ReviewDecision
    package var blockingIssues: [BlockingIssue]
    package var nonBlockingSuggestions: [String]
    package var summary: String?
    /// `invalid_review` when the built-in reviewer could not review (optional, never required).
    package var stoppedReason: String?
    /// The built-in agent's model (optional, never required).
    package var agent: AgentStamp?
    /// Fields of the file this type does not model, written back unchanged.
    package var unknownFields: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case round, decision, summary, agent
        case taskID = "task_id"
        case runID = "run_id"
        case blockingIssues = "blocking_issues"
        case nonBlockingSuggestions = "non_blocking_suggestions"
        case stoppedReason = "stopped_reason"
    }

    package init(
        taskID: String, round: Int, runID: String?, decision: ReviewDecision, blockingIssues: [BlockingIssue],
        nonBlockingSuggestions: [String], summary: String?, stoppedReason: String? = nil, agent: AgentStamp? = nil,
        unknownFields: [String: JSONValue] = [:]
    ) {
        self.taskID = taskID
        self.round = round
        self.runID = runID
        self.decision = decision
        self.blockingIssues = blockingIssues
        self.nonBlockingSuggestions = nonBlockingSuggestions
        self.summary = summary
        self.stoppedReason = stoppedReason
        self.agent = agent
        self.unknownFields = unknownFields
    }

    /// The report as a JSON object: what `write(to:)` writes.
    package var raw: [String: JSONValue] { JSONValue.object(encoding: self) }

    /// Reads and validates a report; each error names the file and the field.
    package init(reader: FieldReader) throws {
        taskID = try reader.requiredString("task_id")
        round = try reader.requiredInt("round")
        runID = try reader.optionalString("run_id")
        let decisionText = try reader.requiredString("decision")
        guard let decision = ReviewDecision(rawValue: decisionText) else {
            throw LoopError.invalidField(
                path: reader.path, field: "decision",
                expected: "must be \"approve\" or \"changes_required\" (got \"\(decisionText)\")")
        }
        self.decision = decision
        blockingIssues = try reader.objectList("blocking_issues").enumerated().map { index, object in
            let item = reader.nested(object, at: "blocking_issues[\(index)]")
            return BlockingIssue(
                severity: try item.optionalString("severity") ?? "medium",
                file: try item.optionalString("file") ?? "",
                reason: try item.optionalString("reason")
                    ?? (try item.optionalString("description") ?? "(no reason given)"),
                requiredChange: try item.optionalString("required_change"),
                source: "reviewer")
        }
        nonBlockingSuggestions = try ReviewReport.suggestions(reader)
        summary = try reader.optionalString("summary")
        // `stopped_reason` and `agent` are informational: kept typed when well-formed, else as read.
        stoppedReason = reader.object["stopped_reason"]?.stringValue
        agent = AgentStamp(reading: reader.object["agent"])
        unknownFields = [:]
        unknownFields = reader.object.filter { key, _ in isUnknown(key) }
    }

    package init(from decoder: any Decoder) throws {
        try self.init(reader: FieldReader(object: try [String: JSONValue](from: decoder), path: BusPaths.reviewReport))
    }

    package func encode(to encoder: any Encoder) throws {
        var unknown = encoder.container(keyedBy: AnyCodingKey.self)
        try unknown.encodeUnknown(unknownFields.filter { key, _ in isUnknown(key) })
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(taskID, forKey: .taskID)
        try container.encode(round, forKey: .round)
        try container.encodeIfPresent(runID, forKey: .runID)
        try container.encode(decision, forKey: .decision)
        try container.encode(blockingIssues, forKey: .blockingIssues)
        try container.encode(nonBlockingSuggestions, forKey: .nonBlockingSuggestions)
        try container.encodeIfPresent(summary, forKey: .summary)
        try container.encodeIfPresent(stoppedReason, forKey: .stoppedReason)
        try container.encodeIfPresent(agent, forKey: .agent)
    }

    /// Whether a field of the file is not one this type holds: a name it does not model, or an
    /// informational field that was not well-formed.
    private func isUnknown(_ key: String) -> Bool {
        switch CodingKeys(rawValue: key) {
        case nil: true
        case .stoppedReason?: stoppedReason == nil
        case .agent?: agent == nil
        default: false
        }
    }

    /// Suggestions may be strings or objects; objects are kept as their `reason`/`text`.
    private static func suggestions(_ reader: FieldReader) throws -> [String] {
        guard let value = reader.object["non_blocking_suggestions"], value != .null else { return [] }
        guard let items = value.arrayValue else {
            throw LoopError.invalidField(
                path: reader.path, field: "non_blocking_suggestions", expected: "must be a list (got \(value.typeName))"
            )
        }
        return items.compactMap { item in
            item.stringValue ?? item["reason"]?.stringValue ?? item["text"]?.stringValue
        }
    }
}
