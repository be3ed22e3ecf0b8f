import Foundation

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
