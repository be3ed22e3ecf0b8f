import Foundation
import LoopCore

extension ParserKind {
    /// Plain text: the default for `command` backends, and mini-swe-agent's output.
    static let text = ParserKind("text") { TextParser() }
}

/// Reads plain-text output (mini-swe-agent, `command` backends without a format).
///
/// The final message is the last few non-empty stdout lines. Every line is looked at for
/// limit and permanent-error wording; the dispatcher only believes those when the run failed.
struct TextParser: OutputParser {
    private(set) var output = ParsedOutput()
    private var tail = TextTail()

    mutating func consume(_ line: String, from stream: LoopCore.OutputStream) {
        output.inspectDiagnostic(line)
        if stream == .stdout { tail.append(line) }
    }

    /// The final message is computed once at the end, not re-joined on every line.
    mutating func finish() {
        output.finalMessage = tail.text
    }
}
