import Foundation

/// `work_report.json`: the worker's report, a claim recorded next to the facts the PM computes
/// from git.
///
/// One type for both directions: the built-in agent and the PM (for backends that write no
/// report) write it with `write(to:)`; the PM reads it through `FieldReader`, whose messages
/// name the file and the field. Fields this type does not model are kept in `unknownFields`
/// and written back unchanged.
package struct WorkReport: Codable, BusDocument, Sendable, Equatable {
    package var taskID: String
    package var round: Int
    package var runID: String?
    package var headSHA: String?
    package var filesChanged: [String]
    package var notes: String
    package var tests: [ClaimedTest]
    /// Set when the PM wrote the report because the backend writes none (aider, mini); written
    /// only when true.
    package var madeByPM: Bool
    /// `done`, or `stopped` when the worker ended its turn without finishing (optional).
    package var status: String?
    /// Why a stopped worker stopped: `repeated_failure`, `malformed_replies`, `step_budget`,
    /// `token_budget` (optional).
    package var stoppedReason: String?
    /// What the worker got stuck on, for the next fix list (optional).
    package var stuckOn: String?
    /// The built-in agent's model, steps and tokens (optional, never required).
    package var agent: AgentStamp?
    /// The backend a PM-made report stands in for (optional, never required).
    package var backend: String?
    /// Fields of the file this type does not model, written back unchanged.
    package var unknownFields: [String: JSONValue]

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

    package init(
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
    package var raw: [String: JSONValue] { JSONValue.object(encoding: self) }

    /// Reads and validates a report; each error names the file and the field.
    package init(reader: FieldReader) throws {
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

    package init(from decoder: any Decoder) throws {
        try self.init(reader: FieldReader(object: try [String: JSONValue](from: decoder), path: BusPaths.workReport))
    }

    package func encode(to encoder: any Encoder) throws {
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
