/// Explains a failed exact match: where the search text matches if whitespace is ignored,
/// or else which lines look most like it.
///
/// The hint quotes file lines verbatim with their numbers, so the model's next try can
/// copy the real text instead of guessing again.
enum NearMissHint {
    /// Most candidate places shown.
    static let maxCandidates = 3
    /// Most lines quoted per candidate.
    static let maxQuotedLines = 12

    /// A few lines of advice for a search text that does not occur in `text`.
    static func describe(search: String, in text: String) -> String {
        let fileLines = TextFile.lines(text)
        let wanted = trimBlankEdges(TextFile.lines(search))
        guard !wanted.isEmpty else {
            return "The search text (only whitespace) was not found. Give the exact lines to replace."
        }
        let starts = whitespaceInsensitiveMatches(wanted, in: fileLines)
        if !starts.isEmpty {
            let places = starts.count == 1 ? "lines \(range(starts[0], wanted.count))" : "\(starts.count) places"
            var hint = "The search text was not found exactly, but matches \(places) if whitespace is ignored. "
            hint += "Copy the lines exactly as they are (same indentation and spaces):\n"
            hint += quote(starts, length: wanted.count, from: fileLines)
            return hint
        }
        let similar = similarLines(to: wanted, in: fileLines)
        guard !similar.isEmpty else {
            return "The search text was not found and no line looks like it. Use read_file to see the current content."
        }
        var hint = "The search text was not found. The most similar lines in the file are below; "
        hint += "use read_file to check them and copy the exact text:\n"
        hint += quote(similar, length: wanted.count, from: fileLines)
        return hint
    }

    // MARK: - Forgiving match

    /// `text` with the one place where `search`'s whole lines match with spaces and tabs
    /// ignored replaced by `replace`, re-indented to the file's indentation; nil when there is
    /// no such place or more than one. Small models rarely copy indentation exactly.
    static func forgivingReplace(search: String, replace: String, in text: String)
        -> (text: String, firstLine: Int, lineCount: Int)?
    {
        let fileLines = TextFile.lines(text)
        let wanted = trimBlankEdges(TextFile.lines(search))
        guard !wanted.isEmpty, wanted.count <= fileLines.count, wanted.contains(where: { !compact($0).isEmpty }) else {
            return nil
        }
        let target = wanted.map(compact)
        let normal = fileLines.map(compact)
        let starts = (0...(normal.count - target.count)).filter { start in
            target.enumerated().allSatisfy { normal[start + $0.offset] == $0.element }
        }
        guard starts.count == 1, let start = starts.first else { return nil }
        // Line i of the replacement takes the file's indentation of matched line i in place of
        // the search text's (the last matched line's for any extra lines).
        func indent(_ line: String) -> String { String(line.prefix { $0 == " " || $0 == "\t" }) }
        let replacement = TextFile.lines(replace).enumerated().map { index, line -> String in
            let row = min(index, wanted.count - 1)
            let searchIndent = indent(wanted[row])
            guard !line.isEmpty, line.hasPrefix(searchIndent) else { return line }
            return indent(fileLines[start + row]) + line.dropFirst(searchIndent.count)
        }
        var lines = Array(fileLines[..<start]) + replacement + Array(fileLines[(start + target.count)...])
        if text.hasSuffix("\n") { lines.append("") }
        return (lines.joined(separator: "\n"), start + 1, max(1, replacement.count))
    }

    // MARK: - Matching

    /// 1-based start lines where `wanted` matches with whitespace ignored; the first and
    /// last wanted lines may be the end and the start of a longer file line.
    static func whitespaceInsensitiveMatches(_ wanted: [String], in lines: [String]) -> [Int] {
        let target = wanted.map(compact)
        let normal = lines.map(compact)
        guard target.count <= normal.count else { return [] }
        var starts: [Int] = []
        for start in 0...(normal.count - target.count) {
            var isMatch = true
            for (offset, want) in target.enumerated() {
                let have = normal[start + offset]
                let fits = lineFits(have, want, position: offset, of: target.count)
                if !fits || (want.isEmpty && !have.isEmpty) {
                    isMatch = false
                    break
                }
            }
            if isMatch { starts.append(start + 1) }
        }
        return starts
    }

    /// Whether one compacted file line fits one compacted wanted line: a lone wanted line may
    /// sit anywhere in the file line, a first one at its end, a last one at its start.
    private static func lineFits(_ have: String, _ want: String, position: Int, of count: Int) -> Bool {
        if count == 1 { return have.contains(want) }
        if position == 0 { return have.hasSuffix(want) }
        if position == count - 1 { return have.hasPrefix(want) }
        return have == want
    }

    /// 1-based lines most similar to the most distinctive wanted line (longest one), best first.
    static func similarLines(to wanted: [String], in lines: [String]) -> [Int] {
        guard let key = wanted.map(squeezed).max(by: { $0.count < $1.count }), !key.isEmpty else { return [] }
        let keyPairs = bigrams(key)
        let keyIndex = wanted.map(squeezed).firstIndex(of: key) ?? 0
        var scored: [(line: Int, score: Double)] = []
        for (index, line) in lines.enumerated() {
            let score = dice(keyPairs, bigrams(squeezed(line)))
            if score >= 0.5 { scored.append((index + 1 - keyIndex, score)) }
        }
        let best = scored.sorted { $0.score == $1.score ? $0.line < $1.line : $0.score > $1.score }
        var seen = Set<Int>()
        return best.map { max(1, $0.line) }.filter { seen.insert($0).inserted }.prefix(maxCandidates).map { $0 }
    }

    /// The line without any spaces or tabs (`if(x){` and `if (x) {` compare equal).
    static func compact(_ line: String) -> String {
        String(line.unicodeScalars.filter { $0 != " " && $0 != "\t" }.map(Character.init))
    }

    /// The line with runs of spaces and tabs collapsed to one space and the ends trimmed.
    static func squeezed(_ line: String) -> String {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    private static func bigrams(_ text: String) -> [String: Int] {
        let characters = Array(text.lowercased())
        guard characters.count > 1 else { return characters.isEmpty ? [:] : [String(characters): 1] }
        var pairs: [String: Int] = [:]
        for index in 0..<(characters.count - 1) {
            pairs[String(characters[index...index + 1]), default: 0] += 1
        }
        return pairs
    }

    /// Sørensen–Dice similarity of two bigram multisets, 0...1.
    private static func dice(_ left: [String: Int], _ right: [String: Int]) -> Double {
        let total = left.values.reduce(0, +) + right.values.reduce(0, +)
        guard total > 0 else { return 0 }
        let shared = left.reduce(0) { $0 + min($1.value, right[$1.key] ?? 0) }
        return 2 * Double(shared) / Double(total)
    }

    // MARK: - Quoting

    private static func quote(_ starts: [Int], length: Int, from lines: [String]) -> String {
        var text = ""
        for start in starts.prefix(maxCandidates) {
            let end = min(lines.count, start + min(length, maxQuotedLines) - 1)
            guard start <= end else { continue }
            text += "--- lines \(range(start, end - start + 1)):\n"
            for number in start...end { text += "\(number)\t\(lines[number - 1])\n" }
        }
        if starts.count > maxCandidates { text += "(and \(starts.count - maxCandidates) more places)\n" }
        return text
    }

    private static func range(_ start: Int, _ count: Int) -> String {
        count <= 1 ? "\(start)" : "\(start)-\(start + count - 1)"
    }

    private static func trimBlankEdges(_ lines: [String]) -> [String] {
        var lines = lines
        while let first = lines.first, squeezed(first).isEmpty { lines.removeFirst() }
        while let last = lines.last, squeezed(last).isEmpty { lines.removeLast() }
        return lines
    }
}
