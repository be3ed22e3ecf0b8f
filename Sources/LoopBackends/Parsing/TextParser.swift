import Foundation
import LoopCore

/// Reads plain-text output (mini-swe-agent, `command` backends without a format).
///
/// The final message is the last few non-empty stdout lines. Every line is looked at for
/// limit and permanent-error wording; the dispatcher only believes those when the run failed.
struct TextParser: OutputParser {
    private(set) var output = ParsedOutput()
    private var tail = TextTail()

    mutating func consume(_ line: String, from stream: LoopCore.OutputStream) {
        output.inspectDiagnostic(line)
        if stream == .stdout {
            tail.append(line)
            output.finalMessage = tail.text
        }
    }
}

/// The last non-empty lines of some text, bounded in count and size.
struct TextTail: Sendable, Equatable {
    private var lines: [String] = []
    private let maxLines = 20
    private let maxLineLength = 1_000

    mutating func append(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return }
        lines.append(trimmed.count > maxLineLength ? String(trimmed.prefix(maxLineLength)) + "…" : trimmed)
        if lines.count > maxLines { lines.removeFirst(lines.count - maxLines) }
    }

    /// The kept lines joined, or nil when there are none.
    var text: String? { lines.isEmpty ? nil : lines.joined(separator: "\n") }
}
