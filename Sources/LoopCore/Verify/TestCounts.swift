/// Passed/failed/skipped counts a test runner printed in a verify command's output.
///
/// A verify command's exit code says only "something failed"; the counts let the PM and the
/// reviewer see how much failed (and notice a suite that silently ran nothing) without reading
/// the bounded output themselves.
package struct TestCounts: Codable, Sendable, Equatable {
    package var passed: Int
    package var failed: Int
    package var skipped: Int
    /// Which summary the counts came from: "pytest", "unittest", "swift-testing", "xctest", "go",
    /// "cargo", "node", "jest" (jest and vitest) or "plain".
    package var runner: String

    package var total: Int { passed + failed + skipped }

    enum CodingKeys: String, CodingKey {
        case passed, failed, skipped, runner
    }

    package init(passed: Int, failed: Int, skipped: Int, runner: String) {
        self.passed = passed
        self.failed = failed
        self.skipped = skipped
        self.runner = runner
    }

    /// Parses the LAST summary a known runner printed in `output`; nil when none is recognised.
    ///
    /// The last one wins because a verify command often runs several suites (`swift test` prints
    /// XCTest's summary and then Swift Testing's) and the final word is the one a human reads.
    /// One exception: a summary of zero tests never replaces a non-empty one, because the empty
    /// half of such a pair (no XCTest cases, or no Swift Testing tests) says nothing.
    /// Cargo's and go's results are summed instead, since they print one block per test binary
    /// or package. The scan is one linear pass over the UTF-8 bytes with plain byte matching (no
    /// regular expressions), and only the first `maxLineBytes` of a line are looked at, so hostile
    /// output (a megabyte of garbage, one endless line) costs time linear in its size.
    package static func parse(_ output: String) -> TestCounts? {
        var scanner = SummaryScanner()
        var text = output
        text.withUTF8 { scanner.scan($0) }
        return scanner.current
    }

    /// Summary lines are short; past this many bytes a line is cut before matching, which
    /// bounds the work per line on hostile output.
    static let maxLineBytes = 4096
}

// MARK: - Scanning

/// Counts are capped so that sums of hostile numbers can never overflow `total`.
private let countCap = 1 << 40

private func capped(_ value: Int) -> Int { min(max(value, 0), countCap) }

/// State carried from line to line: the summary seen last and the runners whose summary
/// depends on earlier lines (per-test lines, sums, multi-line blocks).
private struct SummaryScanner {
    var current: TestCounts?

    // cargo: one `test result:` line per test binary, summed.
    var cargo = (passed: 0, failed: 0, skipped: 0)
    // go: `--- PASS:` lines (with -v) or `-json` events, summed.
    var go = (passed: 0, failed: 0, skipped: 0)
    // unittest: `Ran N tests in Xs`, waiting for the OK/FAILED line after it.
    var unittestRan: Int?
    // Swift Testing: names of tests that failed, recorded issues, or were skipped in this run.
    var swiftFailed = Set<Substring>()
    var swiftIssues = Set<Substring>()
    var swiftSkipped = Set<Substring>()
    // XCTest: `Test Case '…' failed (` lines since the outermost suite started, because the
    // summary's "failures" counts failed assertions, not failed tests.
    var xctestFailedCases = 0
    // node: the `# pass N` block being read, and the line it last grew on.
    var node = (passed: 0, failed: 0, skipped: 0, seen: false)
    var nodeLastLine = -2

    var lineNumber = 0

    /// Splits on \n and \r (progress output rewrites lines with \r), drops ANSI escape
    /// sequences and other control bytes, and hands each line to `feed`.
    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) {
        enum Escape { case none, start, csi, osc, oscEscape, intermediate }
        var line: [UInt8] = []
        line.reserveCapacity(256)
        var escape = Escape.none
        for byte in bytes {
            if byte == 0x0A || byte == 0x0D {
                feed(line)
                line.removeAll(keepingCapacity: true)
                escape = .none
                continue
            }
            switch escape {
            case .none:
                if byte == 0x1B {
                    escape = .start
                } else if byte >= 0x20 || byte == 0x09 {
                    if byte != 0x7F, line.count < TestCounts.maxLineBytes { line.append(byte) }
                }
            case .start:
                switch byte {
                case UInt8(ascii: "["): escape = .csi
                case UInt8(ascii: "]"): escape = .osc
                case 0x20...0x2F: escape = .intermediate
                default: escape = .none
                }
            case .csi:
                if (0x40...0x7E).contains(byte) { escape = .none }
            case .osc:
                if byte == 0x07 { escape = .none } else if byte == 0x1B { escape = .oscEscape }
            case .oscEscape:
                escape = byte == UInt8(ascii: "\\") ? .none : .osc
            case .intermediate:
                if !(0x20...0x2F).contains(byte) { escape = .none }
            }
        }
        feed(line)
    }

    mutating func feed(_ bytes: [UInt8]) {
        lineNumber += 1
        let text = String(decoding: bytes, as: UTF8.self)
        let line = trimmed(text[...])
        if line.isEmpty { return }

        if let ran = unittestRan {
            unittestRan = nil
            if let counts = Self.unittestStatus(line, ran: ran) { record(counts) }
        }
        if let found = match(line) { record(found) }
    }

    /// A summary seen later replaces an earlier one, except that an empty one never replaces
    /// a non-empty one (see `TestCounts.parse`).
    mutating func record(_ counts: TestCounts) {
        if counts.total == 0, let current, current.total > 0 { return }
        current = counts
    }

    mutating func match(_ line: Substring) -> TestCounts? {
        if line.startsWithBytes("test result: ") { return cargoLine(line) }
        if line.startsWithBytes("--- ") || line.startsWithBytes("{") { return goLine(line) }
        if line.startsWithBytes("# ") || line.startsWithBytes("ℹ ") { return nodeLine(line) }
        if line.startsWithBytes("Ran ") {
            unittestRan = Self.unittestRan(line)
            return nil
        }
        if line.startsWithBytes("Executed ") { return xctestSummary(line) }
        if line.startsWithBytes("Test Suite 'All tests' started")
            || line.startsWithBytes("Test Suite 'Selected tests' started")
        {
            xctestFailedCases = 0
            return nil
        }
        if line.startsWithBytes("Test Case '") {
            if find("' failed (", in: line) != nil { xctestFailedCases += 1 }
            return nil
        }
        if line.startsWithBytes("Tests") {
            if let counts = Self.jest(line) { return counts }
        }
        if let counts = swiftTesting(line) { return counts }
        if let counts = Self.pytest(line) { return counts }
        return Self.plain(line)
    }

    // MARK: cargo

    /// `test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s`
    mutating func cargoLine(_ line: Substring) -> TestCounts? {
        var rest = line.dropFirst("test result: ".count)
        if rest.startsWithBytes("ok. ") {
            rest = rest.dropFirst(4)
        } else if rest.startsWithBytes("FAILED. ") {
            rest = rest.dropFirst(8)
        } else {
            return nil
        }
        var passed: Int?
        var failed: Int?
        var ignored = 0
        for item in pieces(rest, by: "; ") {
            guard let (count, label) = countItem(item) else { continue }
            switch label {
            case "passed": passed = count
            case "failed": failed = count
            case "ignored": ignored = count
            default: break
            }
        }
        guard let passed, let failed else { return nil }
        cargo.passed = capped(cargo.passed + passed)
        cargo.failed = capped(cargo.failed + failed)
        cargo.skipped = capped(cargo.skipped + ignored)
        return TestCounts(passed: cargo.passed, failed: cargo.failed, skipped: cargo.skipped, runner: "cargo")
    }

    // MARK: go

    /// `--- PASS: TestX (0.00s)` (indented for subtests) with `go test -v`, or a `go test -json`
    /// event with an Action and a Test. Plain `ok pkg 0.01s` lines carry no counts.
    mutating func goLine(_ line: Substring) -> TestCounts? {
        enum Outcome { case pass, fail, skip }
        var outcome: Outcome?
        if line.startsWithBytes("--- PASS: ") {
            outcome = .pass
        } else if line.startsWithBytes("--- FAIL: ") {
            outcome = .fail
        } else if line.startsWithBytes("--- SKIP: ") {
            outcome = .skip
        } else if line.startsWithBytes("{"), line.endsWithBytes("}"), find("\"Test\":", in: line) != nil {
            // Package-level events have no "Test" field; "output" events quote `--- PASS` inside a
            // string, which never matches here because the line starts with `{`.
            func action(_ name: String) -> Bool {
                find("\"Action\":\"\(name)\"", in: line) != nil || find("\"Action\": \"\(name)\"", in: line) != nil
            }
            if action("pass") {
                outcome = .pass
            } else if action("fail") {
                outcome = .fail
            } else if action("skip") {
                outcome = .skip
            }
        }
        switch outcome {
        case .pass: go.passed = capped(go.passed + 1)
        case .fail: go.failed = capped(go.failed + 1)
        case .skip: go.skipped = capped(go.skipped + 1)
        case nil: return nil
        }
        return TestCounts(passed: go.passed, failed: go.failed, skipped: go.skipped, runner: "go")
    }

    // MARK: node

    /// node --test's closing block, `# pass 3` (TAP) or `ℹ pass 3` (spec reporter), one key a
    /// line. Cancelled tests count as failed (node exits non-zero for them); todo as skipped.
    mutating func nodeLine(_ line: Substring) -> TestCounts? {
        let words = pieces(line.dropFirst(2), by: " ")
        guard words.count == 2 else { return nil }
        let key = words[0]
        let known: Set<Substring> = [
            "tests", "suites", "pass", "fail", "cancelled", "skipped", "skip", "todo", "duration_ms",
        ]
        guard known.contains(key) else { return nil }
        if key != "duration_ms" && number(words[1]) == nil { return nil }
        if nodeLastLine != lineNumber - 1 { node = (0, 0, 0, false) }
        nodeLastLine = lineNumber
        let value = number(words[1]) ?? 0
        switch key {
        case "pass": node.passed = value; node.seen = true
        case "fail": node.failed = capped(node.failed + value); node.seen = true
        case "cancelled": node.failed = capped(node.failed + value)
        case "skipped", "skip", "todo": node.skipped = capped(node.skipped + value)
        default: break
        }
        guard node.seen else { return nil }
        return TestCounts(passed: node.passed, failed: node.failed, skipped: node.skipped, runner: "node")
    }

    // MARK: unittest

    /// `Ran 5 tests in 0.001s`; returns N. The counts come with the status line after it.
    static func unittestRan(_ line: Substring) -> Int? {
        let words = pieces(line, by: " ")
        guard words.count == 5, words[0] == "Ran", let ran = number(words[1]),
            words[2] == "test" || words[2] == "tests", words[3] == "in", isSeconds(words[4])
        else { return nil }
        return ran
    }

    /// `OK`, `OK (skipped=2)`, `FAILED (failures=1, errors=1, skipped=1)` or `NO TESTS RAN`.
    /// Errors and unexpected successes count as failed (unittest fails the run for them);
    /// expected failures as skipped, like pytest's xfail.
    static func unittestStatus(_ line: Substring, ran: Int) -> TestCounts? {
        var details: Substring = ""
        var status = line
        if let open = find("(", in: line)?.lowerBound {
            guard line.endsWithBytes(")") else { return nil }
            status = trimmed(line[..<open])
            details = line[line.index(after: open)..<line.index(before: line.endIndex)]
        }
        guard status == "OK" || status == "FAILED" || status == "NO TESTS RAN" else { return nil }
        var failed = 0
        var skipped = 0
        if !details.isEmpty {
            for item in pieces(details, by: ", ") {
                let pair = pieces(item, by: "=")
                guard pair.count == 2, let value = number(pair[1]) else { return nil }
                switch pair[0] {
                case "failures", "errors", "unexpected successes": failed += value
                case "skipped", "expected failures": skipped += value
                default: break
                }
            }
        }
        failed = min(failed, ran)
        skipped = min(skipped, ran - failed)
        return TestCounts(passed: ran - failed - skipped, failed: failed, skipped: skipped, runner: "unittest")
    }

    // MARK: XCTest

    /// `Executed 7 tests, with 1 test skipped and 2 failures (0 unexpected) in 0.1 (0.1) seconds`.
    /// N includes the skipped tests. "failures" counts failed assertions, so failed tests are
    /// taken from the `Test Case '…' failed (` lines when there are any.
    func xctestSummary(_ line: Substring) -> TestCounts? {
        var words = pieces(line, by: " ").filter { !$0.isEmpty }[...]
        guard words.count >= 6, words.popFirst() == "Executed", let executed = words.popFirst().flatMap(number),
            let unit = words.popFirst(), unit == "test," || unit == "tests,", words.popFirst() == "with",
            var first = words.popFirst().flatMap(number), var unit2 = words.popFirst()
        else { return nil }
        var skipped = 0
        if unit2 == "test" || unit2 == "tests" {
            guard words.popFirst() == "skipped", words.popFirst() == "and",
                let failures = words.popFirst().flatMap(number), let next = words.popFirst()
            else { return nil }
            skipped = first
            first = failures
            unit2 = next
        }
        guard unit2 == "failure" || unit2 == "failures", words.first?.startsWithBytes("(") == true else { return nil }
        skipped = min(skipped, executed)
        let ran = executed - skipped
        let failed = xctestFailedCases > 0 ? min(xctestFailedCases, ran) : min(first, ran)
        return TestCounts(passed: ran - failed, failed: failed, skipped: skipped, runner: "xctest")
    }

    // MARK: Swift Testing

    /// Swift Testing's event lines, each after one symbol (◇ ✔ ✘ ➜ on Linux, SF Symbols on
    /// macOS) or none: `Test run with 5 tests in 1 suite failed after 0.002 seconds with 3 issues.`
    /// The summary's N includes skipped tests but says nothing about failed ones, so those are
    /// the distinct tests with a `Test x failed after` line (or, failing that, a `recorded an
    /// issue` line); a failed run has at least one.
    mutating func swiftTesting(_ line: Substring) -> TestCounts? {
        var event = line
        if !event.startsWithBytes("Test ") {
            // One symbol of at most 4 bytes (no ASCII letters or digits), then a space.
            let utf8 = line.utf8
            var index = utf8.startIndex
            var length = 0
            while index != utf8.endIndex, utf8[index] != 32, length <= 4 {
                let byte = utf8[index]
                if byte < 0x80, isLetterOrDigit(byte) { return nil }
                index = utf8.index(after: index)
                length += 1
            }
            guard length > 0, length <= 4, index != utf8.endIndex else { return nil }
            event = line[utf8.index(after: index)...]
            guard event.startsWithBytes("Test ") else { return nil }
        }
        if event == "Test run started." {
            swiftFailed = []
            swiftIssues = []
            swiftSkipped = []
            return nil
        }
        if event.startsWithBytes("Test run with ") { return swiftTestingSummary(event) }
        // Per-argument lines of parameterized tests and XCTest's lines are not tests of their own.
        if event.startsWithBytes("Test case ") || event.startsWithBytes("Test Case '")
            || event.startsWithBytes("Test Suite '")
        {
            return nil
        }
        let name = event.dropFirst("Test ".count)
        if let range = find(" failed after ", in: name) {
            swiftFailed.insert(name[..<range.lowerBound])
        } else if let range = find(" recorded an issue", in: name) {
            swiftIssues.insert(name[..<range.lowerBound])
        } else if let range = find(" skipped", in: name, last: true) {
            let after = name[range.upperBound...]
            if after.isEmpty || after == "." || after.startsWithBytes(": ") {
                swiftSkipped.insert(name[..<range.lowerBound])
            }
        }
        return nil
    }

    mutating func swiftTestingSummary(_ event: Substring) -> TestCounts? {
        let words = pieces(event, by: " ").filter { !$0.isEmpty }
        guard words.count >= 6, let count = number(words[3]), words[4] == "test" || words[4] == "tests" else {
            return nil
        }
        let runFailed: Bool
        if find(" failed after ", in: event) != nil {
            runFailed = true
        } else if find(" passed after ", in: event) != nil {
            runFailed = false
        } else {
            return nil
        }
        var failed = 0
        if runFailed {
            failed = swiftFailed.isEmpty ? swiftIssues.count : swiftFailed.count
            failed = min(max(failed, 1), count)
        }
        let skipped = min(swiftSkipped.count, count - failed)
        swiftFailed = []
        swiftIssues = []
        swiftSkipped = []
        return TestCounts(passed: count - failed - skipped, failed: failed, skipped: skipped, runner: "swift-testing")
    }

    // MARK: jest / vitest

    /// jest `Tests:       1 failed, 1 skipped, 3 passed, 5 total`; vitest
    /// `Tests  2 failed | 3 passed (5)`. Todo counts as skipped.
    static func jest(_ line: Substring) -> TestCounts? {
        let items: [Substring]
        if line.startsWithBytes("Tests:") {
            let rest = trimmed(line.dropFirst("Tests:".count))
            items = pieces(rest, by: ", ")
            guard items.last.flatMap(countItem)?.1 == "total" else { return nil }
        } else {
            let rest = trimmed(line.dropFirst("Tests".count))
            guard line.dropFirst("Tests".count).first == " ", rest.endsWithBytes(")"),
                let open = find("(", in: rest, last: true)?.lowerBound,
                number(rest[rest.index(after: open)..<rest.index(before: rest.endIndex)]) != nil
            else { return nil }
            items = pieces(trimmed(rest[..<open]), by: " | ")
        }
        var counts = TestCounts(passed: 0, failed: 0, skipped: 0, runner: "jest")
        var known = false
        for item in items {
            guard let (count, label) = countItem(item) else { return nil }
            switch label {
            case "passed": counts.passed = count; known = true
            case "failed": counts.failed = count; known = true
            case "skipped", "todo", "pending": counts.skipped = capped(counts.skipped + count); known = true
            default: break
            }
        }
        return known ? counts : nil
    }

    // MARK: pytest

    /// The whole line must be pytest's summary, `= 1 failed, 4 passed, 1 error in 1.2s =` (the
    /// `=` optional, as with -q) or `no tests ran in 0.01s`, so prose that merely mentions
    /// "3 passed" is not taken for one. Errors count as failed, xfailed as skipped, xpassed as
    /// passed; deselected, warnings and labels from plugins are ignored.
    static func pytest(_ line: Substring) -> TestCounts? {
        let body = trimmed(line, also: UInt8(ascii: "="))
        // Cheap checks first: a summary starts with a count (or "no") and ends with a duration.
        guard let first = body.utf8.first, isDigit(first) || first == UInt8(ascii: "n"),
            let last = body.utf8.last, last == UInt8(ascii: "s") || last == UInt8(ascii: ")")
        else { return nil }
        guard let inRange = find(" in ", in: body, last: true), isPytestDuration(body[inRange.upperBound...]) else {
            return nil
        }
        let head = body[..<inRange.lowerBound]
        if head == "no tests ran" { return TestCounts(passed: 0, failed: 0, skipped: 0, runner: "pytest") }
        var counts = TestCounts(passed: 0, failed: 0, skipped: 0, runner: "pytest")
        var known = false
        for item in pieces(head, by: ", ") {
            guard let (count, label) = countItem(item) else { return nil }
            switch label {
            case "passed", "xpassed": counts.passed = capped(counts.passed + count)
            case "failed", "error", "errors": counts.failed = capped(counts.failed + count)
            case "skipped", "xfailed": counts.skipped = capped(counts.skipped + count)
            case "deselected", "warning", "warnings", "rerun", "reruns": break
            default: continue
            }
            known = true
        }
        return known ? counts : nil
    }

    /// `0.12s`, or for long runs `83.05s (0:01:23)`.
    static func isPytestDuration(_ text: Substring) -> Bool {
        guard let unit = find("s", in: text), isSeconds(text[..<unit.upperBound]) else { return false }
        let rest = text[unit.upperBound...]
        if rest.isEmpty { return true }
        guard rest.startsWithBytes(" ("), rest.endsWithBytes(")") else { return false }
        let clock = rest.dropFirst(2).dropLast()
        return !clock.isEmpty && clock.utf8.allSatisfy { $0 == UInt8(ascii: ":") || isDigit($0) }
    }

    // MARK: plain

    /// `3 passed, 1 failed` with an optional `, 2 skipped`, alone on the line, optionally after
    /// one word and a colon (`tests: 3 passed, 0 failed`): the shape a hand-written test script
    /// prints.
    static func plain(_ line: Substring) -> TestCounts? {
        guard line.endsWithBytes(" failed") || line.endsWithBytes(" skipped") else { return nil }
        var body = line
        if let colon = find(":", in: body) {
            let word = body[..<colon.lowerBound]
            guard !word.isEmpty,
                word.utf8.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
            else { return nil }
            body = trimmed(body[colon.upperBound...])
        }
        let items = pieces(body, by: ", ").map(countItem)
        guard items.count == 2 || items.count == 3, let passed = items[0], passed.1 == "passed",
            let failed = items[1], failed.1 == "failed"
        else { return nil }
        var skipped = 0
        if items.count == 3 {
            guard let item = items[2], item.1 == "skipped" else { return nil }
            skipped = item.0
        }
        return TestCounts(passed: passed.0, failed: failed.0, skipped: skipped, runner: "plain")
    }
}

// MARK: - Helpers

/// `text` without leading and trailing spaces and tabs (and `extra`, e.g. pytest's `=` rule).
private func trimmed(_ text: Substring, also extra: UInt8 = 0x20) -> Substring {
    let utf8 = text.utf8
    func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == extra }
    var start = utf8.startIndex
    var end = utf8.endIndex
    while start != end, blank(utf8[start]) { start = utf8.index(after: start) }
    while start != end {
        let before = utf8.index(before: end)
        guard blank(utf8[before]) else { break }
        end = before
    }
    return text[start..<end]
}

private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

private func isLetterOrDigit(_ byte: UInt8) -> Bool {
    isDigit(byte) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
}

/// 1 to 9 ASCII digits; longer numbers are not counts and could overflow sums.
private func number(_ text: Substring) -> Int? {
    var value = 0
    var digits = 0
    for byte in text.utf8 {
        guard isDigit(byte), digits < 9 else { return nil }
        value = value * 10 + Int(byte - 0x30)
        digits += 1
    }
    return digits > 0 ? value : nil
}

/// `3 passed` → (3, "passed"); the label is lowercase letters and spaces ("filtered out").
private func countItem(_ item: Substring) -> (Int, Substring)? {
    guard let space = find(" ", in: item), let count = number(item[..<space.lowerBound]) else { return nil }
    let label = item[space.upperBound...]
    guard !label.isEmpty, label.utf8.allSatisfy({ $0 == 0x20 || ($0 >= 0x61 && $0 <= 0x7A) }) else { return nil }
    return (count, label)
}

/// `0.001s`, `3s`.
private func isSeconds(_ text: Substring) -> Bool {
    guard text.endsWithBytes("s") else { return false }
    let digits = pieces(text.dropLast(), by: ".")
    guard digits.count == 1 || digits.count == 2 else { return false }
    return digits.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy(isDigit) }
}

/// Where `needle` occurs in `text` (the first occurrence, or the last with `last: true`),
/// compared byte by byte. Written out because `contains`/`ranges(of:)` on strings go through the
/// generic string-processing (for `contains`, Regex) machinery, many times slower per line.
/// Needles are short, so the scan stays linear in the line.
private func find(_ needle: String, in text: Substring, last: Bool = false) -> Range<String.Index>? {
    let pattern = needle.utf8
    let utf8 = text.utf8
    guard pattern.startIndex != pattern.endIndex else { return nil }
    let head = pattern[pattern.startIndex]
    var found: Range<String.Index>?
    var index = utf8.startIndex
    while index != utf8.endIndex {
        if utf8[index] == head {
            var end = utf8.index(after: index)
            var next = pattern.index(after: pattern.startIndex)
            while next != pattern.endIndex, end != utf8.endIndex, utf8[end] == pattern[next] {
                end = utf8.index(after: end)
                next = pattern.index(after: next)
            }
            if next == pattern.endIndex {
                found = index..<end
                if !last { return found }
            }
        }
        index = utf8.index(after: index)
    }
    return found
}

/// `text` cut at every `separator`, keeping empty pieces (so `a, , b` is three pieces).
private func pieces(_ text: Substring, by separator: String) -> [Substring] {
    var result: [Substring] = []
    var rest = text
    while let range = find(separator, in: rest) {
        result.append(rest[..<range.lowerBound])
        rest = rest[range.upperBound...]
    }
    result.append(rest)
    return result
}

/// Byte-wise prefix and suffix tests: the generic `hasPrefix`/`hasSuffix` compare Characters,
/// which costs more than everything else on a line of garbage.
extension Substring {
    fileprivate func startsWithBytes(_ prefix: String) -> Bool {
        let utf8 = self.utf8
        var index = utf8.startIndex
        for byte in prefix.utf8 {
            guard index != utf8.endIndex, utf8[index] == byte else { return false }
            index = utf8.index(after: index)
        }
        return true
    }

    fileprivate func endsWithBytes(_ suffix: String) -> Bool {
        let utf8 = self.utf8
        let pattern = suffix.utf8
        var index = utf8.endIndex
        var next = pattern.endIndex
        while next != pattern.startIndex {
            guard index != utf8.startIndex else { return false }
            index = utf8.index(before: index)
            next = pattern.index(before: next)
            guard utf8[index] == pattern[next] else { return false }
        }
        return true
    }
}
