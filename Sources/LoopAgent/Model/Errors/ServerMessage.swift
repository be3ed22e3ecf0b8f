import Foundation

/// Reads the human part of a model server's error body, and keeps secrets and floods out.
///
/// Servers disagree on the shape: Ollama sends `{"error": "..."}`, OpenAI and llama.cpp
/// `{"error": {"message": ...}}`, vLLM `{"message": ...}`, some proxies plain text or HTML.
enum ServerMessage {
    /// Messages are cut here; a line on a terminal is enough to act on.
    static let limit = 300

    /// The server's message from an error body, or a short excerpt of the body.
    static func extract(from body: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            if let error = object["error"] as? String { return excerpt(error) }
            if let error = object["error"] as? [String: Any], let message = error["message"] as? String {
                return excerpt(message)
            }
            if let message = object["message"] as? String { return excerpt(message) }
            if let detail = object["detail"] as? String { return excerpt(detail) }
        }
        let text = excerpt(String(decoding: body, as: UTF8.self))
        return text.isEmpty ? "no message" : text
    }

    /// `text` on one line, whitespace collapsed, cut to `limit` characters.
    static func excerpt(_ text: String, limit: Int = limit) -> String {
        let words = text.split(whereSeparator: { $0.isWhitespace || $0.isNewline })
        let line = words.joined(separator: " ")
        return line.count > limit ? String(line.prefix(limit)) + "…" : line
    }

    /// `text` with every occurrence of `secret` replaced, so a server echoing the API key back
    /// cannot leak it into a log or terminal.
    static func redact(_ text: String, secret: String?) -> String {
        guard let secret, !secret.isEmpty else { return text }
        return text.replacingOccurrences(of: secret, with: "[redacted]")
    }

    /// The URL for messages: no user, password, query or fragment, no trailing slash.
    static func display(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            return url.absoluteString
        }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        var text = components.string ?? url.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
