/// Cuts long tool output down to a byte budget, keeping the head and the tail.
///
/// The start of an output says what ran and the end says how it ended (the failing test,
/// the exit code), so both are kept and the middle goes, replaced by one line that says
/// how much was cut and how to see it. Cuts fall on line boundaries where that costs
/// little, and never split a UTF-8 character.
package enum OutputTruncator {
    /// The hint in the notice when the caller has no better one.
    package static let defaultHint = "use read_file with line ranges or search"

    /// `text` if it fits in `limit` bytes, else head + notice + tail within about `limit` bytes.
    /// - Parameters:
    ///   - alreadyCut: bytes the producer dropped before (a streaming collector); they are
    ///     added to the count in the notice, and force a notice even when the rest fits.
    ///   - hint: what the model should do to see the cut part.
    package static func truncate(_ text: String, limit: Int, alreadyCut: Int = 0, hint: String = defaultHint) -> String {
        let bytes = Array(text.utf8)
        if bytes.count <= limit && alreadyCut == 0 { return text }
        let noticeReserve = 80 + hint.utf8.count
        let budget = max(limit - noticeReserve, 0)
        var headEnd = min(bytes.count, budget / 2)
        var tailStart = max(bytes.count - (budget - headEnd), headEnd)
        if bytes.count <= limit {
            // Only the earlier cut needs a notice: split at the middle, drop nothing more.
            headEnd = bytes.count / 2
            tailStart = headEnd
        } else {
            headEnd = lineBoundary(in: bytes, before: headEnd, floor: headEnd / 2)
            tailStart = lineBoundary(in: bytes, after: tailStart, ceiling: tailStart + (bytes.count - tailStart) / 2)
        }
        headEnd = characterBoundary(in: bytes, at: headEnd)
        tailStart = max(characterBoundary(in: bytes, at: tailStart), headEnd)
        let cut = tailStart - headEnd + alreadyCut
        var head = String(decoding: bytes[..<headEnd], as: UTF8.self)
        if !head.isEmpty && !head.hasSuffix("\n") { head += "\n" }
        let tail = String(decoding: bytes[tailStart...], as: UTF8.self)
        return head + "[... \(cut) bytes cut; \(hint) ...]\n" + tail
    }

    /// Just after the last newline before `index`, if that is not before `floor`.
    private static func lineBoundary(in bytes: [UInt8], before index: Int, floor: Int) -> Int {
        var position = index
        while position > floor {
            if bytes[position - 1] == UInt8(ascii: "\n") { return position }
            position -= 1
        }
        return index
    }

    /// Just after the first newline at or after `index`, if that is not past `ceiling`.
    private static func lineBoundary(in bytes: [UInt8], after index: Int, ceiling: Int) -> Int {
        var position = index
        while position < min(ceiling, bytes.count) {
            if bytes[position] == UInt8(ascii: "\n") { return position + 1 }
            position += 1
        }
        return index
    }

    /// `index` moved back to the start of the UTF-8 character it falls in.
    private static func characterBoundary(in bytes: [UInt8], at index: Int) -> Int {
        var position = min(index, bytes.count)
        while position > 0 && position < bytes.count && bytes[position] & 0xC0 == 0x80 { position -= 1 }
        return position
    }
}
