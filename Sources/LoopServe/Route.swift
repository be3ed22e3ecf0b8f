/// One request of the dashboard, parsed from its path and checked.
///
/// Every id and role in a path ends up in a file path or a git argument, so each is checked
/// against a strict pattern here, before any file is touched: an id can never name a folder
/// outside the bus (`..`, `/`, a leading `.` or `-` are refused), and a round is a number.
package enum Route: Equatable, Sendable {
    case page
    case runs
    case tasks
    case task(id: String)
    case round(id: String, round: Int)
    case diff(id: String, round: Int)
    case log(id: String, round: Int, role: String)
    case events
    case control(action: String)

    /// Why a path is refused.
    package enum Refusal: Error, Equatable {
        /// No such endpoint (404).
        case notFound
        /// An id, round or role that is not allowed (400), with what was wrong.
        case invalid(String)
    }

    /// The actions `--allow-control` accepts (the same words as `loop pause` / `continue` / `stop`).
    package static let controlActions: Set<String> = ["pause", "continue", "stop"]

    /// Parses a request's method and path (already percent-decoded or not: both are checked the
    /// same way). Only GET reads; only POST controls.
    package static func parse(method: String, path: String) throws(Refusal) -> Route {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if method == "POST" {
            guard parts.count == 3, parts[0] == "api", parts[1] == "control" else { throw .notFound }
            guard controlActions.contains(parts[2]) else { throw .invalid("unknown control action \(parts[2])") }
            return .control(action: parts[2])
        }
        guard method == "GET" else { throw .notFound }
        if parts.isEmpty || parts == ["index.html"] { return .page }
        guard parts[0] == "api", parts.count >= 2 else { throw .notFound }
        switch (parts.count, parts[1]) {
        case (2, "runs"): return .runs
        case (2, "tasks"): return .tasks
        case (2, "events"): return .events
        case (3, "tasks"): return .task(id: try taskID(parts[2]))
        case (5, "tasks") where parts[3] == "rounds":
            return .round(id: try taskID(parts[2]), round: try round(parts[4]))
        case (6, "tasks") where parts[3] == "rounds" && parts[5] == "diff":
            return .diff(id: try taskID(parts[2]), round: try round(parts[4]))
        case (6, "tasks") where parts[3] == "logs":
            return .log(id: try taskID(parts[2]), round: try round(parts[4]), role: try role(parts[5]))
        default: throw .notFound
        }
    }

    /// A task id as the bus names folders: letters, digits, `-`, `_`, `.`, not starting with
    /// `.` or `-`, at most 100 (PROTOCOL.md, task card `task_id`; other ids run under such a safe form).
    package static func taskID(_ text: String) throws(Refusal) -> String {
        guard isSafeName(text, extra: ".", maxLength: 100) else { throw .invalid("not a task id: \(shown(text))") }
        return text
    }

    /// A role as logs name it: `worker`, `reviewer`, `verify`, `worker-<lane>`, `reviewer-<lane>`.
    package static func role(_ text: String) throws(Refusal) -> String {
        guard isSafeName(text, extra: "", maxLength: 120) else { throw .invalid("not a role: \(shown(text))") }
        return text
    }

    /// A round number from 1 to 100 000.
    package static func round(_ text: String) throws(Refusal) -> Int {
        guard text.count <= 6, let round = Int(text), round >= 1, round <= 100_000 else {
            throw .invalid("not a round number: \(shown(text))")
        }
        return round
    }

    /// ASCII letters and digits, `-`, `_` and the `extra` characters; the first a letter, digit or `_`.
    private static func isSafeName(_ text: String, extra: String, maxLength: Int) -> Bool {
        guard !text.isEmpty, text.utf8.count <= maxLength, let first = text.unicodeScalars.first else { return false }
        func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
        }
        guard first == "_" || isAlphanumeric(first) else { return false }
        let allowed = text.unicodeScalars.allSatisfy {
            isAlphanumeric($0) || $0 == "-" || $0 == "_" || extra.unicodeScalars.contains($0)
        }
        return allowed && !text.contains("..")
    }

    /// At most 60 characters of what was refused, for the error message.
    private static func shown(_ text: String) -> String {
        text.count > 60 ? String(text.prefix(60)) + "…" : text
    }
}
