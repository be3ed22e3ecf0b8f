import Foundation

/// One server-sent event: its `data:` lines joined with `\n`.
struct SSEEvent: Sendable, Equatable {
    var event: String?
    var data: String
    var id: String?

    /// OpenAI-compatible servers end a stream with `data: [DONE]`.
    var isDone: Bool { data.trimmingCharacters(in: .whitespaces) == "[DONE]" }
}

/// Parses a `text/event-stream` body as the WHATWG spec reads it, fed in arbitrary chunks.
///
/// Lines end at `\r\n`, `\n` or `\r` (a `\r\n` split across two chunks counts once); a blank
/// line dispatches the event; lines starting with `:` are comments (keep-alives); `event:`
/// and `id:` are kept, `retry:` and unknown fields ignored. Bytes are buffered until a line is
/// whole, so a chunk that ends inside a UTF-8 sequence is harmless. Unlike a browser, a last
/// event not followed by a blank line is still delivered by `finish()`: some servers close
/// right after the final `data:` line.
struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var isAfterCR = false
    private var data: [String] = []
    private var event: String?
    private var id: String?

    init() {}

    /// Adds `chunk` and returns the events it completed.
    mutating func feed(_ chunk: Data) -> [SSEEvent] {
        var events: [SSEEvent] = []
        for byte in chunk {
            if isAfterCR {
                isAfterCR = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\r"):
                isAfterCR = true
                if let event = endLine() { events.append(event) }
            case UInt8(ascii: "\n"):
                if let event = endLine() { events.append(event) }
            default:
                line.append(byte)
            }
        }
        return events
    }

    /// Ends the stream: returns an event still waiting for its blank line.
    mutating func finish() -> SSEEvent? {
        if !line.isEmpty { _ = endLine() }
        return dispatch()
    }

    private mutating func endLine() -> SSEEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty { return dispatch() }
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = text[...]
            value = ""
        }
        switch field {
        case "data": data.append(String(value))
        case "event": event = String(value)
        case "id": id = String(value)
        default: break
        }
        return nil
    }

    private mutating func dispatch() -> SSEEvent? {
        defer {
            data.removeAll()
            event = nil
        }
        guard !data.isEmpty else { return nil }
        return SSEEvent(event: event, data: data.joined(separator: "\n"), id: id)
    }
}
