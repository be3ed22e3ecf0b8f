import Testing

@testable import LoopAgent

/// Exact search/replace succeeds only on one match and explains every failure.
struct EditMatcherTests {
    private let source = """
        func greet(name: String) {
            print("Hello, \\(name)")
        }

        func add(_ a: Int, _ b: Int) -> Int {
            return a + b
        }

        """

    @Test("exactly one match is replaced and its line range reported")
    func replacesSingleMatch() throws {
        let outcome = EditMatcher.apply(search: "return a + b", replace: "a + b", in: source)
        guard case .replaced(let text, let firstLine, let lineCount) = outcome else {
            Issue.record("expected a replacement, got \(outcome)")
            return
        }
        #expect(text.contains("    a + b\n") && !text.contains("return"))
        #expect(firstLine == 6 && lineCount == 1)
    }

    @Test("a multi-line replacement reports all its lines")
    func multiLineReplacement() {
        let outcome = EditMatcher.apply(
            search: "print(\"Hello, \\(name)\")", replace: "let x = 1\n    print(x)", in: source)
        guard case .replaced(_, 2, 2) = outcome else {
            Issue.record("expected lines 2-3, got \(outcome)")
            return
        }
    }

    @Test("absent text with different indentation fails with the whitespace-insensitive candidate quoted")
    func absentWithWhitespaceHint() {
        let outcome = EditMatcher.apply(
            search: "func add(_ a: Int,_ b: Int) -> Int {\n  return a + b", replace: "x", in: source)
        guard case .notFound(let hint) = outcome else {
            Issue.record("expected notFound, got \(outcome)")
            return
        }
        #expect(hint.contains("if whitespace is ignored"))
        #expect(hint.contains("lines 5-6"))
        #expect(hint.contains("6\t    return a + b"))
    }

    @Test("absent text with a wrong word fails with the most similar lines quoted")
    func absentWithSimilarHint() {
        let outcome = EditMatcher.apply(search: "print(\"Hi, \\(name)\")", replace: "x", in: source)
        guard case .notFound(let hint) = outcome else {
            Issue.record("expected notFound, got \(outcome)")
            return
        }
        #expect(hint.contains("most similar lines"))
        #expect(hint.contains("2\t    print(\"Hello, \\(name)\")"))
    }

    @Test("absent text that resembles nothing says so")
    func absentNothingSimilar() {
        guard case .notFound(let hint) = EditMatcher.apply(search: "zzzz qqqq", replace: "x", in: source) else {
            Issue.record("expected notFound")
            return
        }
        #expect(hint.contains("no line looks like it"))
    }

    @Test("text that occurs several times is refused with the count and line numbers")
    func ambiguous() {
        let outcome = EditMatcher.apply(search: "func ", replace: "public func ", in: source)
        #expect(outcome == .ambiguous(count: 2, lines: [1, 5]))
    }

    @Test("empty search and no-op edits are refused")
    func invalid() {
        guard case .invalid = EditMatcher.apply(search: "", replace: "x", in: source) else {
            Issue.record("empty search accepted")
            return
        }
        guard case .invalid = EditMatcher.apply(search: "return", replace: "return", in: source) else {
            Issue.record("no-op accepted")
            return
        }
    }

    @Test("a search written with LF matches a CRLF file, and the replacement keeps CRLF")
    func crlfTolerance() {
        let crlf = "one\r\ntwo\r\nthree\r\n"
        let outcome = EditMatcher.apply(search: "one\ntwo\n", replace: "1\n2\n", in: crlf)
        #expect(outcome == .replaced(text: "1\r\n2\r\nthree\r\n", firstLine: 1, lineCount: 2))
    }

    @Test("a match may start at a line end, and an empty replacement deletes the text")
    func deletion() {
        let outcome = EditMatcher.apply(search: "\nfunc add", replace: "\nfunc sum", in: "x\nfunc add\n")
        #expect(outcome == .replaced(text: "x\nfunc sum\n", firstLine: 1, lineCount: 2))
        let deleted = EditMatcher.apply(search: "b\n", replace: "", in: "a\nb\nc\n")
        #expect(deleted == .replaced(text: "a\nc\n", firstLine: 2, lineCount: 1))
    }
}
