import Testing

@testable import LoopAgent

/// Long output keeps its head and its tail and says how much of the middle went.
struct OutputTruncatorTests {
    private func numberedLines(_ count: Int) -> String {
        (1...count).map { "line \($0)" }.joined(separator: "\n") + "\n"
    }

    @Test("short output is returned unchanged")
    func shortUnchanged() {
        #expect(OutputTruncator.truncate("hello\n", limit: 100) == "hello\n")
    }

    @Test("long output keeps the first and last lines, cuts on line boundaries and counts the cut bytes")
    func keepsHeadAndTail() throws {
        let text = numberedLines(2000)
        let result = OutputTruncator.truncate(text, limit: 1024)
        #expect(result.utf8.count <= 1024)
        #expect(result.hasPrefix("line 1\nline 2\n"))
        #expect(result.hasSuffix("line 1999\nline 2000\n"))
        let notice = try #require(result.split(separator: "\n").first { $0.hasPrefix("[... ") })
        #expect(notice.contains("use read_file with line ranges or search"))
        let cut = try #require(Int(notice.dropFirst(5).prefix { $0.isNumber }))
        let kept = result.utf8.count - notice.utf8.count - 1
        #expect(cut == text.utf8.count - kept)
        for line in result.split(separator: "\n") where !line.hasPrefix("[") {
            #expect(line.hasPrefix("line "))
        }
    }

    @Test("a cut never splits a multi-byte character")
    func utf8Safe() {
        let text = String(repeating: "é€😀", count: 2000)
        let result = OutputTruncator.truncate(text, limit: 500)
        #expect(!result.contains("\u{FFFD}"))
        #expect(result.utf8.count <= 500)
    }

    @Test("the collector keeps head and tail of a huge stream in bounded memory")
    func collectorBounded() throws {
        let collector = OutputCollector(limit: 2048)
        for number in 1...100_000 { collector.append("output line \(number)") }
        let text = collector.text(hint: "pipe through tail")
        #expect(text.utf8.count <= 2048)
        #expect(text.hasPrefix("output line 1\noutput line 2\n"))
        #expect(text.hasSuffix("output line 100000\n"))
        #expect(text.contains("bytes cut; pipe through tail ...]"))
    }

    @Test("the collector returns short output whole")
    func collectorShort() {
        let collector = OutputCollector(limit: 2048)
        collector.append("a")
        collector.append("b")
        #expect(collector.text(hint: "x") == "a\nb\n")
    }
}
