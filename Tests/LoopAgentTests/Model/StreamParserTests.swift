import Foundation
import Testing

@testable import LoopAgent

@Suite("NDJSON and SSE parsing")
struct StreamParserTests {
    /// The body cut at `offset` and again at every seventh byte after it, so every test meets
    /// lines, CRLFs and multi-byte characters split across chunks.
    private static func chunks(_ text: String, firstCut offset: Int) -> [Data] {
        let bytes = Array(text.utf8)
        var cuts = [0, min(offset, bytes.count)]
        while let last = cuts.last, last < bytes.count { cuts.append(min(last + 7, bytes.count)) }
        return zip(cuts, cuts.dropFirst()).map { Data(bytes[$0..<$1]) }
    }

    private static let ndjson =
        "{\"message\":{\"content\":\"Grüße \"}}\n\r\n{\"message\":{\"content\":\"🦙 ok\"}}\r\n\n{\"done\":true}"

    @Test("NDJSON lines survive any split, even inside a UTF-8 sequence")
    func lineSplitter() {
        let expected = [
            "{\"message\":{\"content\":\"Grüße \"}}", "{\"message\":{\"content\":\"🦙 ok\"}}", "{\"done\":true}",
        ]
        for offset in 0...Self.ndjson.utf8.count {
            var splitter = LineSplitter()
            var lines = Self.chunks(Self.ndjson, firstCut: offset).flatMap { splitter.feed($0) }
            if let last = splitter.finish() { lines.append(last) }
            #expect(lines == expected, "split at \(offset)")
        }
    }

    private static let sse = """
        : keep-alive comment\r
        data: {"a":"héllo"}\r
        \r
        event: message\r
        data: {"b":\r
        data: "🦙"}\r
        id: 7\r
        \r
        retry: 1000
        data:no-space

        data: [DONE]

        """

    @Test("SSE events survive any split: comments, CRLF, multi-line data, [DONE]")
    func sseParser() {
        let expected = [
            SSEEvent(event: nil, data: #"{"a":"héllo"}"#, id: nil),
            SSEEvent(event: "message", data: "{\"b\":\n\"🦙\"}", id: "7"),
            SSEEvent(event: nil, data: "no-space", id: "7"),
            SSEEvent(event: nil, data: "[DONE]", id: "7"),
        ]
        for offset in 0...Self.sse.utf8.count {
            var parser = SSEParser()
            var events = Self.chunks(Self.sse, firstCut: offset).flatMap { parser.feed($0) }
            if let last = parser.finish() { events.append(last) }
            #expect(events == expected, "split at \(offset)")
        }
        #expect(expected.last?.isDone == true)
    }

    @Test("a lone CR ends a line, and a CRLF split across chunks counts once")
    func carriageReturns() {
        var parser = SSEParser()
        var events = parser.feed(Data("data: one\r\r".utf8))
        events += parser.feed(Data("data: two\r".utf8))
        events += parser.feed(Data("\n\r\n".utf8))
        #expect(events.map(\.data) == ["one", "two"])
    }

    @Test("a last event without its blank line is still delivered at the end")
    func unterminatedEvent() {
        var parser = SSEParser()
        #expect(parser.feed(Data("data: {\"x\":1}".utf8)).isEmpty)
        #expect(parser.finish()?.data == #"{"x":1}"#)
    }
}
