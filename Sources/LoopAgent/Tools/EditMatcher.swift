/// Exact search/replace for `edit_file`, with a near-miss hint when the search text is not there.
///
/// The edit succeeds only on exactly one byte-exact match, so the model can never change
/// the wrong place. Small models often get whitespace or a word slightly wrong; then the
/// hint shows the lines they probably meant, verbatim and numbered, so the retry can copy
/// them. The one tolerance applied silently is line endings: a search written with `\n`
/// matches a CRLF file (the replacement gets CRLF too), because that is never ambiguous.
package enum EditMatcher {
    /// What applying one edit gave.
    package enum Outcome: Sendable, Equatable {
        /// Exactly one match: the new text, and the 1-based lines the replacement occupies.
        case replaced(text: String, firstLine: Int, lineCount: Int)
        /// No match; `hint` tells the model what is there instead.
        case notFound(hint: String)
        /// Several matches, starting on these 1-based lines.
        case ambiguous(count: Int, lines: [Int])
        /// The request itself is unusable (empty search, search equal to replace).
        case invalid(String)
    }

    /// Replaces the single occurrence of `search` in `text` by `replace`.
    package static func apply(search: String, replace: String, in text: String) -> Outcome {
        if search.isEmpty {
            return .invalid("search must not be empty; to create or overwrite a whole file use write_file")
        }
        if search == replace { return .invalid("search and replace are the same; nothing would change") }
        let hay = Array(text.utf8)
        var needle = Array(search.utf8)
        var replacement = Array(replace.utf8)
        var offsets = occurrences(of: needle, in: hay)
        if offsets.isEmpty && text.contains("\r\n") && !search.contains("\r\n") {
            needle = Array(search.replacingLineFeeds().utf8)
            replacement = Array(replace.replacingLineFeeds().utf8)
            offsets = occurrences(of: needle, in: hay)
        }
        switch offsets.count {
        case 0:
            return .notFound(hint: NearMissHint.describe(search: search, in: text))
        case 1:
            let offset = offsets[0]
            let result = Array(hay[..<offset]) + replacement + Array(hay[(offset + needle.count)...])
            let firstLine = lineNumber(at: offset, in: hay)
            let lineCount = max(
                1,
                replacement.filter { $0 == UInt8(ascii: "\n") }.count + (replacement.last == UInt8(ascii: "\n") ? 0 : 1)
            )
            return .replaced(text: String(decoding: result, as: UTF8.self), firstLine: firstLine, lineCount: lineCount)
        default:
            return .ambiguous(count: offsets.count, lines: offsets.map { lineNumber(at: $0, in: hay) })
        }
    }

    /// Byte offsets of the non-overlapping occurrences of `needle` in `hay`.
    static func occurrences(of needle: [UInt8], in hay: [UInt8]) -> [Int] {
        guard !needle.isEmpty, needle.count <= hay.count else { return [] }
        var found: [Int] = []
        var start = 0
        let first = needle[0]
        let lastStart = hay.count - needle.count
        while start <= lastStart {
            guard let candidate = hay[start...lastStart].firstIndex(of: first) else { break }
            if hay[candidate..<(candidate + needle.count)].elementsEqual(needle) {
                found.append(candidate)
                start = candidate + needle.count
            } else {
                start = candidate + 1
            }
        }
        return found
    }

    /// The 1-based line number of byte `offset`.
    static func lineNumber(at offset: Int, in bytes: [UInt8]) -> Int {
        bytes[..<offset].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    }
}

extension String {
    /// Every lone `\n` turned into `\r\n`.
    fileprivate func replacingLineFeeds() -> String {
        var result = ""
        var previous: Unicode.Scalar?
        for scalar in unicodeScalars {
            if scalar == "\n" && previous != "\r" { result.unicodeScalars.append("\r") }
            result.unicodeScalars.append(scalar)
            previous = scalar
        }
        return result
    }
}
