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
}

/// The worker's report: a claim, recorded next to the facts the PM computes from git.
public struct WorkReport: Sendable, Equatable {
    public var taskID: String
    public var round: Int
    public var runID: String?
    public var headSHA: String?
    public var filesChanged: [String]
    public var notes: String
    public var tests: [ClaimedTest]
    /// Set when the PM wrote the report because the backend writes none (aider, mini).
    public var madeByPM: Bool
    /// `done`, or `stopped` when the worker ended its turn without finishing (optional).
    public var status: String?
    /// Why a stopped worker stopped: `repeated_failure`, `malformed_replies`, `step_budget`,
    /// `token_budget` (optional).
    public var stoppedReason: String?
    /// What the worker got stuck on, for the next fix list (optional).
    public var stuckOn: String?
    public var raw: [String: JSONValue]

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
        raw = reader.object
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

/// The reviewer's report. Only a well-formed report for the current dispatch counts.
public struct ReviewReport: Sendable, Equatable {
    public var taskID: String
    public var round: Int
    public var runID: String?
    public var decision: ReviewDecision
    public var blockingIssues: [BlockingIssue]
    public var nonBlockingSuggestions: [String]
    public var summary: String?
    public var raw: [String: JSONValue]

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
        raw = reader.object
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
