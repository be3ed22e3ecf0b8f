package import Foundation

extension OllamaClient {
    /// The server URL an `OLLAMA_HOST` value names, read the way the `ollama` CLI reads it.
    ///
    /// Accepts `host`, `host:port`, `:port`, `[::1]:port`, `http://host:port`, `https://host`
    /// and a path after the host (for a proxy). No scheme means http; a missing port is 11434,
    /// or 80/443 when a scheme is given; an invalid port falls back to that default; quotes
    /// around the value are dropped. Unlike Ollama, an empty or unspecified host (`:11434`,
    /// `0.0.0.0`, `::`) means loopback, since those are bind addresses rather than places to
    /// connect to. Nil or empty gives `http://127.0.0.1:11434`.
    package static func resolveHost(_ value: String?) -> URL {
        let fallback = URL(string: "http://127.0.0.1:11434") ?? URL(fileURLWithPath: "/")
        let trimmed = (value ?? "").trimmingCharacters(in: .whitespaces)
            .trimmingCharacters(in: CharacterSet(charactersIn: "\"'")).trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return fallback }

        var scheme = "http"
        var rest = Substring(trimmed)
        var defaultPort = "11434"
        if let range = trimmed.range(of: "://") {
            scheme = trimmed[..<range.lowerBound].lowercased()
            rest = trimmed[range.upperBound...]
            if scheme == "http" { defaultPort = "80" } else if scheme == "https" { defaultPort = "443" }
        }
        let hostPort = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(hostPort.count))
        while path.hasSuffix("/") { path.removeLast() }

        var (host, port) = split(hostPort) ?? (String(hostPort), defaultPort)
        host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host.isEmpty || host == "0.0.0.0" { host = "127.0.0.1" }
        if host == "::" { host = "::1" }
        if Int(port).map({ (0...65535).contains($0) }) != true { port = defaultPort }

        let hostText = host.contains(":") ? "[\(host)]" : host
        return URL(string: "\(scheme)://\(hostText):\(port)\(path)") ?? fallback
    }

    /// Go's `net.SplitHostPort`: `host:port` or `[v6]:port`; nil when there is no port part.
    private static func split(_ text: Substring) -> (String, String)? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let after = text[text.index(after: close)...]
            guard after.hasPrefix(":") else { return nil }
            return (String(text[text.index(after: text.startIndex)..<close]), String(after.dropFirst()))
        }
        guard let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
