import Foundation
import LoopCore

/// Reads a CLI that prints one JSON event per stdout line (codex, claude, opencode).
///
/// Every other line — stderr, or text where an event was expected — is a diagnostic: it counts
/// only when it reports a limit (generic wording or the CLI's own `limitPatterns`) or a
/// permanent error.
protocol JSONEventParser: OutputParser {
    /// The CLI's own wording for a plan or rate limit, besides the generic phrases.
    static var limitPatterns: [TextPattern] { get }
    var output: ParsedOutput { get set }
    /// Reads one event object from stdout.
    mutating func handle(_ event: JSONValue)
}

extension JSONEventParser {
    static var limitPatterns: [TextPattern] { [] }

    mutating func consume(_ line: String, from stream: LoopCore.OutputStream) {
        guard stream == .stdout, let event = JSONLine.object(line) else {
            output.inspectDiagnostic(line, extraLimitPatterns: Self.limitPatterns)
            return
        }
        handle(event)
    }
}
