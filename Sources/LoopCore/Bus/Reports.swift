import Foundation

/// The roles agents play on the bus.
package enum Role: String, Codable, Sendable, CaseIterable {
    case worker
    case reviewer

    /// The report file this role writes.
    package var reportFileName: String { self == .worker ? BusPaths.workReport : BusPaths.reviewReport }
}

/// A test result claimed by the worker.
package struct ClaimedTest: Codable, Sendable, Equatable {
    package var name: String
    package var result: String

    package init(name: String, result: String) {
        self.name = name
        self.result = result
    }
}

/// What the built-in agent records about itself in its reports (`agent`): the model, and for
/// the worker its steps, tokens and whether it called finish.
package struct AgentStamp: Codable, Sendable, Equatable {
    package var model: String
    package var steps: Int?
    package var tokens: Int?
    package var finished: Bool?

    package init(model: String, steps: Int? = nil, tokens: Int? = nil, finished: Bool? = nil) {
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
package struct BlockingIssue: Codable, Sendable, Equatable {
    package var severity: String
    package var file: String
    package var reason: String
    package var requiredChange: String?
    /// Who raised it: `verify` (a failed verify command), `reviewer`, `pm` (the PM's own
    /// checks: no change, test count, out of scope, a commit after review) or `worker` (what
    /// the worker got stuck on).
    package var source: String?
    /// For `verify` items: the command, so the next round can tell whether it is resolved.
    package var command: String?

    enum CodingKeys: String, CodingKey {
        case severity, file, reason, source, command
        case requiredChange = "required_change"
    }

    package init(
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
package enum ReviewDecision: String, Codable, Sendable {
    case approve
    case changesRequired = "changes_required"
}
