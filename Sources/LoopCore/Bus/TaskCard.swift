import Foundation

/// The task card: what the worker must do and how the result is judged.
///
/// Compatible with loop-kit's card (its documented card runs unchanged). `verify`,
/// `max_rounds` and `backends` are our optional additions. The PM never writes this file.
///
/// loop-kit's rules for what a card may leave out apply: a missing `task_id` is `UNKNOWN`, a
/// number is taken as its text, a missing `goal` is empty, missing lists are empty. Any id
/// loop-kit accepts (anything without `..`, `/` or `\`) is accepted; one that cannot name a
/// git branch and a folder as is (spaces, `:`, non-ASCII, ...) is run under a safe form
/// (`taskID`), with the card's own text kept in `cardTaskID`. `lanes` (TaskCard+Lanes) and
/// `depends_on`/`dependencies` (TaskCard+Dependencies) are read in their own files.
package struct TaskCard: Sendable, Equatable {
    /// The id the run uses: names the branch `loop/<id>`, the worktree and archive folders.
    package var taskID: String
    /// The id as the card gives it (equal to `taskID` unless it had to be made safe).
    package var cardTaskID: String
    package var goal: String
    package var inScope: [String]
    package var outOfScope: [String]
    package var acceptanceCriteria: [String]
    package var constraints: [String]
    /// Shell commands the PM runs in the workdir after the worker, as evidence.
    package var verify: [String]
    /// `verify_network: true`: verify commands keep the network (nil = the run's option).
    package var verifyNetwork: Bool?
    /// Per-card round budget (overrides the default, not an explicit `--max-rounds`).
    package var maxRounds: Int?
    /// Per-card backend choice: `{"worker": "codex", "reviewer": "claude"}`.
    package var backends: [String: String]
    /// The whole card as read, unknown fields included.
    package var raw: [String: JSONValue]

    /// Characters allowed in a task id: it names a branch, a folder and archive files.
    package static func isValidTaskID(_ id: String) -> Bool {
        guard !id.isEmpty, id.count <= 100, !id.hasPrefix("."), !id.hasPrefix("-"), !id.contains("..") else {
            return false
        }
        return id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    /// Loads and validates a card; every problem is reported at once.
    package static func load(from path: String) throws -> TaskCard {
        let reader = try FieldReader.load(
            path,
            missingHint:
                "Write a task card (see .loop/examples/task_card.json, made by `loop init`) or pass --task PATH."
        )
        return try TaskCard(reader: reader)
    }

    /// Reads a card, reporting every problem at once: one error naming the field when there is
    /// one, a list when there are several (fixing them one run at a time wastes the user's time).
    package init(reader: FieldReader) throws {
        var problems: [LoopError] = []
        func read<T>(_ fallback: T, _ body: () throws -> T) -> T {
            do { return try body() } catch let error as LoopError {
                problems.append(error)
            } catch {
                problems.append(.invalidJSON(path: reader.path, detail: "\(error)"))
            }
            return fallback
        }
        problems += TaskCard.laneProblems(reader)
        problems += TaskCard.dependencyProblems(reader)
        cardTaskID = read("UNKNOWN") { try TaskCard.readTaskID(reader) }
        if !TaskCard.isLoopKitTaskID(cardTaskID) {
            problems.append(
                LoopError.invalidField(
                    path: reader.path, field: "task_id",
                    expected: "must not contain '..', '/' or '\\' (it names folders); got \"\(cardTaskID)\""))
        }
        taskID = TaskCard.safeTaskID(cardTaskID)
        goal = read("") { try reader.optionalString("goal") ?? "" }
        inScope = read([]) { try reader.stringList("in_scope") }
        outOfScope = read([]) { try reader.stringList("out_of_scope") }
        acceptanceCriteria = read([]) { try reader.stringList("acceptance_criteria") }
        constraints = read([]) { try reader.stringList("constraints") }
        verify = read([]) { try TaskCard.readVerify(reader) }
        verifyNetwork = read(nil) { try reader.optionalBool("verify_network") }
        maxRounds = read(nil) { try reader.optionalInt("max_rounds") }
        if let maxRounds, maxRounds < 1 {
            problems.append(
                LoopError.invalidField(
                    path: reader.path, field: "max_rounds", expected: "must be at least 1 (got \(maxRounds))"))
        }
        var backends: [String: String] = [:]
        if let value = reader.object["backends"], value != .null {
            if let object = value.objectValue {
                for (key, entry) in object.sorted(by: { $0.key < $1.key }) {
                    guard key == "worker" || key == "reviewer", let name = entry.stringValue else {
                        problems.append(
                            LoopError.invalidField(
                                path: reader.path, field: "backends.\(key)",
                                expected: "must be a backend name under the key \"worker\" or \"reviewer\""))
                        continue
                    }
                    backends[key] = name
                }
            } else {
                problems.append(
                    LoopError.invalidField(
                        path: reader.path, field: "backends",
                        expected: "must be an object like {\"worker\": \"codex\", \"reviewer\": \"claude\"}"))
            }
        }
        self.backends = backends
        raw = reader.object
        if problems.count == 1, let only = problems.first { throw only }
        if problems.count > 1 {
            let lines = problems.map { problem -> String in
                if case .invalidField(_, let field, let expected) = problem { return "field '\(field)' \(expected)" }
                return problem.errorDescription ?? "\(problem)"
            }
            throw LoopError.config(
                "\(reader.path) has \(lines.count) problems:\n" + lines.map { "  - \($0)" }.joined(separator: "\n")
                    + "\nFix the file and run again.")
        }
    }

    /// loop-kit's task-id check: no path traversal (`..`, `/`, `\`).
    package static func isLoopKitTaskID(_ id: String) -> Bool {
        !id.isEmpty && !id.contains("..") && !id.contains("/") && !id.contains("\\") && !id.contains("\0")
    }

    /// `id` itself when it can name a branch and folders, otherwise its letters, digits, `-`,
    /// `_` and `.` with the rest as `-`, plus a short hash of the original so two ids never meet.
    package static func safeTaskID(_ id: String) -> String {
        if isValidTaskID(id) { return id }
        var text = ""
        for character in id {
            if character.isASCII && (character.isLetter || character.isNumber || "-_.".contains(character)) {
                text.append(character)
            } else if !text.hasSuffix("-") {
                text.append("-")
            }
        }
        while text.contains("..") { text = text.replacingOccurrences(of: "..", with: ".") }
        let trimmed = String(text.drop(while: { $0 == "." || $0 == "-" }).prefix(80))
        var hash: UInt32 = 2_166_136_261
        for byte in id.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let suffix = String(hash, radix: 16)
        return trimmed.isEmpty ? "task-\(suffix)" : "\(trimmed.hasSuffix("-") ? trimmed : trimmed + "-")\(suffix)"
    }

    /// loop-kit's reading: missing or empty → `UNKNOWN`, a number → its text.
    private static func readTaskID(_ reader: FieldReader) throws -> String {
        switch reader.object["task_id"] {
        case nil, .null: return "UNKNOWN"
        case .string(let text): return text.isEmpty ? "UNKNOWN" : text
        case .number(let number):
            return number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .some(let other):
            throw LoopError.invalidField(
                path: reader.path, field: "task_id", expected: "must be a string (got \(other.typeName))")
        }
    }

    static func isEmpty(_ value: JSONValue) -> Bool {
        switch value {
        case .null: true
        case .array(let items): items.isEmpty
        case .object(let fields): fields.isEmpty
        case .string(let text): text.isEmpty
        default: false
        }
    }

    /// `verify` accepts a list of command strings (or a single string).
    private static func readVerify(_ reader: FieldReader) throws -> [String] {
        if let single = reader.object["verify"]?.stringValue { return [single] }
        return try reader.stringList("verify")
    }
}
