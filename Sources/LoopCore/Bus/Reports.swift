import Foundation

/// The roles agents play on the bus.
public enum Role: String, Codable, Sendable, CaseIterable {
    case worker
    case reviewer

    /// The report file this role writes.
    public var reportFileName: String { self == .worker ? BusPaths.workReport : BusPaths.reviewReport }
}

/// A test result claimed by the worker.
public struct ClaimedTest: Codable, Sendable, Equatable {
    public var name: String
    public var result: String

    public init(name: String, result: String) {
        self.name = name
        self.result = result
    }
}

/// What the built-in agent records about itself in its reports (`agent`): the model, and for
/// the worker its steps, tokens and whether it called finish.
public struct AgentStamp: Codable, Sendable, Equatable {
    public var model: String
    public var steps: Int?
    public var tokens: Int?
    public var finished: Bool?

    public init(model: String, steps: Int? = nil, tokens: Int? = nil, finished: Bool? = nil) {
        self.model = model
        self.steps = steps
        self.tokens = tokens
        self.finished = finished
    }

    /// Reads an `agent` field leniently: nil unless it is exactly what the built-in agent
    /// writes, so anything else an agent put there is kept as an unknown field, never refused.
    init?(reading value: JSONValue?) {
        guard let object = value?.objectValue,
            Set(object.keys).isSubset(of: ["model", "steps", "tokens", "finished"])
        else { return nil }
        let reader = FieldReader(object: object, path: "")
        do {
            self.init(
                model: try reader.requiredString("model", allowEmpty: true), steps: try reader.optionalInt("steps"),
                tokens: try reader.optionalInt("tokens"), finished: try reader.optionalBool("finished"))
        } catch {
            return nil
        }
    }
}

/// `work_report.json`: the worker's report, a claim recorded next to the facts the PM computes
/// from git.
///
/// One type for both directions: the built-in agent and the PM (for backends that write no
/// report) write it with `write(to:)`; the PM reads it through `FieldReader`, whose messages
/// name the file and the field. Fields this type does not model are kept in `unknownFields`
/// and written back unchanged.
public struct WorkReport: Codable, BusDocument, Sendable, Equatable {
    public var taskID: String
    public var round: Int
    public var runID: String?
    public var headSHA: String?
    public var filesChanged: [String]
    public var notes: String
    public var tests: [ClaimedTest]
    /// Set when the PM wrote the report because the backend writes none (aider, mini); written
    /// only when true.
    public var madeByPM: Bool
    /// `done`, or `stopped` when the worker ended its turn without finishing (optional).
    public var status: String?
    /// Why a stopped worker stopped: `repeated_failure`, `malformed_replies`, `step_budget`,
    /// `token_budget` (optional).
    public var stoppedReason: String?
    /// What the worker got stuck on, for the next fix list (optional).
    public var stuckOn: String?
    /// The built-in agent's model, steps and tokens (optional, never required).
    public var agent: AgentStamp?
    /// The backend a PM-made report stands in for (optional, never required).
    public var backend: String?
    /// Fields of the file this type does not model, written back unchanged.
    public var unknownFields: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case round, notes, tests, status, agent, backend
        case taskID = "task_id"
        case runID = "run_id"
        case headSHA = "head_sha"
        case filesChanged = "files_changed"
        case madeByPM = "made_by_pm"
        case stoppedReason = "stopped_reason"
        case stuckOn = "stuck_on"
    }

    public init(
        taskID: String, round: Int, runID: String?, headSHA: String?, filesChanged: [String], notes: String,
        tests: [ClaimedTest], madeByPM: Bool = false, status: String? = nil, stoppedReason: String? = nil,
        stuckOn: String? = nil, agent: AgentStamp? = nil, backend: String? = nil,
        unknownFields: [String: JSONValue] = [:]
    ) {
        self.taskID = taskID
        self.round = round
        self.runID = runID
        self.headSHA = headSHA
        self.filesChanged = filesChanged
        self.notes = notes
        self.tests = tests
        self.madeByPM = madeByPM
        self.status = status
        self.stoppedReason = stoppedReason
        self.stuckOn = stuckOn
        self.agent = agent
        self.backend = backend
        self.unknownFields = unknownFields
    }

    /// The report as a JSON object: what `write(to:)` writes.
    public var raw: [String: JSONValue] { JSONValue.object(encoding: self) }

    /// Reads and validates a report; each error names the file and the field.
    public init(reader: FieldReader) throws {
        taskID = try reader.requiredString("task_id")
        round = try reader.requiredInt("round")
        runID = try reader.optionalString("run_id")
        headSHA = try reader.optionalString("head_sha")
        filesChanged = try reader.stringList("files_changed")
        notes = try reader.optionalString("notes") ?? ""
        tests = try reader.objectList("tests").enumerated().map { index, object in
            let item = reader.nested(object, at: "tests[\(index)]")
            return ClaimedTest(
                name: try item.optionalString("name") ?? "test \(index + 1)",
                result: try item.optionalString("result") ?? "unknown")
        }
        madeByPM = try reader.optionalBool("made_by_pm") ?? false
        status = try reader.optionalString("status")
        stoppedReason = try reader.optionalString("stopped_reason")
        stuckOn = try reader.optionalString("stuck_on")
        // `agent` and `backend` are informational: kept typed when well-formed, else as read.
        agent = AgentStamp(reading: reader.object["agent"])
        backend = reader.object["backend"]?.stringValue
        unknownFields = [:]
        unknownFields = reader.object.filter { key, _ in isUnknown(key) }
    }

    public init(from decoder: any Decoder) throws {
        try self.init(reader: FieldReader(object: try [String: JSONValue](from: decoder), path: BusPaths.workReport))
    }

    public func encode(to encoder: any Encoder) throws {
        var unknown = encoder.container(keyedBy: AnyCodingKey.self)
        try unknown.encodeUnknown(unknownFields.filter { key, _ in isUnknown(key) })
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(taskID, forKey: .taskID)
        try container.encode(round, forKey: .round)
        try container.encodeIfPresent(runID, forKey: .runID)
        try container.encodeIfPresent(headSHA, forKey: .headSHA)
        try container.encode(filesChanged, forKey: .filesChanged)
        try container.encode(notes, forKey: .notes)
        try container.encode(tests, forKey: .tests)
        if madeByPM { try container.encode(true, forKey: .madeByPM) }
        try container.encodeIfPresent(status, forKey: .status)
        try container.encodeIfPresent(stoppedReason, forKey: .stoppedReason)
        try container.encodeIfPresent(stuckOn, forKey: .stuckOn)
        try container.encodeIfPresent(agent, forKey: .agent)
        try container.encodeIfPresent(backend, forKey: .backend)
    }

    /// Whether a field of the file is not one this type holds: a name it does not model, or an
    /// informational field that was not well-formed.
    private func isUnknown(_ key: String) -> Bool {
        switch CodingKeys(rawValue: key) {
        case nil: true
        case .agent?: agent == nil
        case .backend?: backend == nil
        default: false
        }
    }
}

/// One blocking issue raised by the reviewer or by failed verification.
public struct BlockingIssue: Codable, Sendable, Equatable {
    public var severity: String
    public var file: String
    public var reason: String
    public var requiredChange: String?
    /// Who raised it: `verify` (a failed verify command), `reviewer`, `pm` (the PM's own
    /// checks: no change, test count, out of scope, a commit after review) or `worker` (what
    /// the worker got stuck on).
    public var source: String?
    /// For `verify` items: the command, so the next round can tell whether it is resolved.
    public var command: String?

    enum CodingKeys: String, CodingKey {
        case severity, file, reason, source, command
        case requiredChange = "required_change"
    }

    public init(
        severity: String, file: String, reason: String, requiredChange: String? = nil, source: String? = nil,
        command: String? = nil
    ) {
        self.severity = severity
        self.file = file
        self.reason = reason
        self.requiredChange = requiredChange
        self.source = source
        self.command = command
    }
}

/// The reviewer's decision.
public enum ReviewDecision: String, Codable, Sendable {
    case approve
    case changesRequired = "changes_required"
}

/// `review_report.json`: the reviewer's report. Only a well-formed report for the current
/// dispatch counts.
///
/// One type for both directions, like `WorkReport`: the built-in agent writes it with
/// `write(to:)`, the PM reads it through `FieldReader`. Reading marks every blocking issue as
/// raised by the reviewer (`source`). Fields this type does not model are kept in
/// `unknownFields` and written back unchanged.
public struct ReviewReport: Codable, BusDocument, Sendable, Equatable {
    public var taskID: String
    public var round: Int
    public var runID: String?
    public var decision: ReviewDecision
    public var blockingIssues: [BlockingIssue]
    public var nonBlockingSuggestions: [String]
    public var summary: String?
    /// `invalid_review` when the built-in reviewer could not review (optional, never required).
    public var stoppedReason: String?
    /// The built-in agent's model (optional, never required).
    public var agent: AgentStamp?
    /// Fields of the file this type does not model, written back unchanged.
    public var unknownFields: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case round, decision, summary, agent
        case taskID = "task_id"
        case runID = "run_id"
        case blockingIssues = "blocking_issues"
        case nonBlockingSuggestions = "non_blocking_suggestions"
        case stoppedReason = "stopped_reason"
    }

    public init(
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
    public var raw: [String: JSONValue] { JSONValue.object(encoding: self) }

    /// Reads and validates a report; each error names the file and the field.
    public init(reader: FieldReader) throws {
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

    public init(from decoder: any Decoder) throws {
        try self.init(reader: FieldReader(object: try [String: JSONValue](from: decoder), path: BusPaths.reviewReport))
    }

    public func encode(to encoder: any Encoder) throws {
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
