import Foundation

/// Cuts a byte stream into text lines, for NDJSON bodies (Ollama's `/api/chat`).
///
/// Network chunks do not line up with lines, and a chunk may even end inside a UTF-8
/// sequence, so bytes are buffered and only whole lines are decoded. A line ends at `\n`; a
/// `\r` before it is dropped. Blank lines are skipped.
struct LineSplitter: Sendable {
    private var pending: [UInt8] = []

    init() {}

    /// Adds `data` and returns the lines it completed.
    mutating func feed(_ data: Data) -> [String] {
        var lines: [String] = []
        for byte in data {
            if byte == UInt8(ascii: "\n") {
                if let line = takeLine() { lines.append(line) }
            } else {
                pending.append(byte)
            }
        }
        return lines
    }

    /// Returns the last line when the stream ended without a newline.
    mutating func finish() -> String? {
        takeLine()
    }

    private mutating func takeLine() -> String? {
        defer { pending.removeAll(keepingCapacity: true) }
        var bytes = pending[...]
        if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        let line = String(decoding: bytes, as: UTF8.self)
        return line.allSatisfy(\.isWhitespace) ? nil : line
    }
}
