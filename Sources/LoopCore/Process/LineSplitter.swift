/// Splits a byte stream into lines, bounding the length of any one line.
///
/// Chunks from a pipe do not line up with lines; a hostile agent may print a gigabyte
/// with no newline. Lines longer than `maxLineBytes` are cut, the rest up to the next
/// newline dropped, and the cut marked, so memory stays bounded.
struct LineSplitter {
    let maxLineBytes: Int
    private var pending: [UInt8] = []
    private var isDiscarding = false

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    /// Feeds bytes; returns the complete lines they finish (without the newline).
    mutating func feed(_ bytes: UnsafeRawBufferPointer) -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if !isDiscarding { lines.append(Self.decode(pending)) }
                pending.removeAll(keepingCapacity: true)
                isDiscarding = false
            } else if !isDiscarding {
                pending.append(byte)
                if pending.count >= maxLineBytes {
                    lines.append(Self.decode(pending) + " …[line cut at \(maxLineBytes) bytes]")
                    pending.removeAll(keepingCapacity: true)
                    isDiscarding = true
                }
            }
        }
        return lines
    }

    /// The last unterminated line, if any.
    mutating func finish() -> String? {
        defer { pending.removeAll() }
        return pending.isEmpty || isDiscarding ? nil : Self.decode(pending)
    }

    private static func decode(_ bytes: [UInt8]) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}
