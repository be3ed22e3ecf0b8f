import Foundation

/// The task card: what the worker must do and how the result is judged.
///
/// Compatible with loop-kit's card (its documented card runs unchanged). `verify`,
/// `max_rounds` and `backends` are our optional additions. The PM never writes this file.
public struct TaskCard: Sendable, Equatable {
    public var taskID: String
    public var goal: String
    public var inScope: [String]
    public var outOfScope: [String]
    public var acceptanceCriteria: [String]
    public var constraints: [String]
    /// Shell commands the PM runs in the workdir after the worker, as evidence.
    public var verify: [String]
    /// `verify_network: true`: verify commands keep the network (nil = the run's option).
    public var verifyNetwork: Bool?
    /// Per-card round budget (overrides the default, not an explicit `--max-rounds`).
    public var maxRounds: Int?
    /// Per-card backend choice: `{"worker": "codex", "reviewer": "claude"}`.
    public var backends: [String: String]
    /// The whole card as read, unknown fields included.
    public var raw: [String: JSONValue]

    /// Characters allowed in a task id: it names a branch, a folder and archive files.
    public static func isValidTaskID(_ id: String) -> Bool {
        guard !id.isEmpty, id.count <= 100, !id.hasPrefix("."), !id.hasPrefix("-"), !id.contains("..") else {
            return false
        }
        return id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    /// Loads and validates a card, with one clear error for the first problem.
    public static func load(from path: String) throws -> TaskCard {
        let reader = try FieldReader.load(
            path,
            missingHint:
                "Write a task card (see .loop/examples/task_card.json, made by `loop init`) or pass --task PATH."
        )
        return try TaskCard(reader: reader)
    }

    public init(reader: FieldReader) throws {
        taskID = try reader.requiredString("task_id")
        guard TaskCard.isValidTaskID(taskID) else {
            throw LoopError.invalidField(
                path: reader.path, field: "task_id",
                expected:
                    "must use only letters, digits, '-', '_' and '.' (it names a git branch and folders); got \"\(taskID)\""
            )
        }
        goal = try reader.requiredString("goal")
        inScope = try reader.stringList("in_scope")
        outOfScope = try reader.stringList("out_of_scope")
        acceptanceCriteria = try reader.stringList("acceptance_criteria")
        constraints = try reader.stringList("constraints")
        verify = try TaskCard.readVerify(reader)
        verifyNetwork = try reader.optionalBool("verify_network")
        maxRounds = try reader.optionalInt("max_rounds")
        if let maxRounds, maxRounds < 1 {
            throw LoopError.invalidField(
                path: reader.path, field: "max_rounds", expected: "must be at least 1 (got \(maxRounds))")
        }
        var backends: [String: String] = [:]
        if let value = reader.object["backends"], value != .null {
            guard let object = value.objectValue else {
                throw LoopError.invalidField(
                    path: reader.path, field: "backends",
                    expected: "must be an object like {\"worker\": \"codex\", \"reviewer\": \"claude\"}")
            }
            for (key, entry) in object {
                guard key == "worker" || key == "reviewer", let name = entry.stringValue else {
                    throw LoopError.invalidField(
                        path: reader.path, field: "backends.\(key)",
                        expected: "must be a backend name under the key \"worker\" or \"reviewer\"")
                }
                backends[key] = name
            }
        }
        self.backends = backends
        raw = reader.object
    }

    /// `verify` accepts a list of command strings (or a single string).
    private static func readVerify(_ reader: FieldReader) throws -> [String] {
        if let single = reader.object["verify"]?.stringValue { return [single] }
        return try reader.stringList("verify")
    }
}
