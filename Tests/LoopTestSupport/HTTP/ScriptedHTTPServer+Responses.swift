import Foundation

extension ScriptedHTTPServer.Response {
    /// A JSON body sent in one piece with a Content-Length.
    package static func json(_ body: String, status: Int = 200, path: String? = nil, headers: [(String, String)] = [])
        -> Self
    {
        Self(
            path: path, status: status, headers: [("Content-Type", "application/json; charset=utf-8")] + headers,
            steps: [.send(Data(body.utf8))], framing: .contentLength)
    }

    /// Ollama-style NDJSON: one line per chunk, chunked transfer encoding, `pause` between lines.
    package static func ndjson(_ lines: [String], pause: Duration = .zero, path: String? = nil) -> Self {
        Self(
            path: path, status: 200, headers: [("Content-Type", "application/x-ndjson")],
            steps: interleave(lines.map { .send(Data(($0 + "\n").utf8)) }, pause: pause), framing: .chunked)
    }

    /// OpenAI-style SSE: one `data:` event per payload, then `data: [DONE]`.
    package static func sse(_ payloads: [String], pause: Duration = .zero, path: String? = nil, done: Bool = true) -> Self {
        let events = (payloads + (done ? ["[DONE]"] : [])).map { "data: \($0)\n\n" }
        return Self(
            path: path, status: 200,
            headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")],
            steps: interleave(events.map { .send(Data($0.utf8)) }, pause: pause), framing: .chunked)
    }

    /// Reads the request and never answers.
    package static func silent(path: String? = nil) -> Self {
        Self(path: path, status: 200, headers: [], steps: [], framing: .chunked, isSilent: true)
    }

    /// This response, kept in the queue for every later matching request.
    package var repeating: Self {
        var copy = self
        copy.isRepeating = true
        return copy
    }

    private static func interleave(_ sends: [ScriptedHTTPServer.Step], pause: Duration)
        -> [ScriptedHTTPServer.Step]
    {
        guard pause > .zero else { return sends }
        return sends.flatMap { [$0, .pause(pause)] }.dropLast()
    }
}
