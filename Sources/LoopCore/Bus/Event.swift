import Foundation

/// One line of `events.jsonl`: a transition of the run, for `status --watch` and tools.
///
/// The line is `{"ts","event","task_id","run_id","round"?, ...fields}`: what differs from
/// event to event travels in `fields`, flat beside the common keys (a field named like a
/// common key is not written: the common key wins; `round` only when the event has one).
package struct Event: Codable, BusLine, Sendable, Equatable {
    package var ts: String
    package var event: String
    package var taskID: String
    package var runID: String
    package var round: Int?
    /// The event's own fields (e.g. `reason`, `head_sha`).
    package var fields: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case ts, event, round
        case taskID = "task_id"
        case runID = "run_id"
    }

    package init(
        ts: String = Timestamp.now(), event: String, taskID: String, runID: String, round: Int? = nil,
        fields: [String: JSONValue] = [:]
    ) {
        self.ts = ts
        self.event = event
        self.taskID = taskID
        self.runID = runID
        self.round = round
        self.fields = fields
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ts = try container.decode(String.self, forKey: .ts)
        event = try container.decode(String.self, forKey: .event)
        taskID = try container.decode(String.self, forKey: .taskID)
        runID = try container.decode(String.self, forKey: .runID)
        let object = try [String: JSONValue](from: decoder)
        round = object[CodingKeys.round.rawValue]?.intValue
        fields = [:]
        fields = object.filter { key, _ in !isCommon(key) }
    }

    package func encode(to encoder: any Encoder) throws {
        var own = encoder.container(keyedBy: AnyCodingKey.self)
        try own.encodeUnknown(fields.filter { key, _ in !isCommon(key) })
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ts, forKey: .ts)
        try container.encode(event, forKey: .event)
        try container.encode(taskID, forKey: .taskID)
        try container.encode(runID, forKey: .runID)
        try container.encodeIfPresent(round, forKey: .round)
    }

    /// Whether a key is written from the typed fields rather than from `fields`.
    private func isCommon(_ key: String) -> Bool {
        switch CodingKeys(rawValue: key) {
        case nil: false
        case .round?: round != nil
        default: true
        }
    }
}
