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
