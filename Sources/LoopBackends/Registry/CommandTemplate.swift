import Foundation

/// Substitution of `{placeholders}` in a `command` backend's argv template.
///
/// One pass, left to right: text that came from a value is never scanned again, so a prompt
/// that happens to contain "{workdir}" reaches the agent unchanged. Braces that do not name a
/// known placeholder (JSON, shell) are left alone.
enum CommandTemplate {
    /// `word` with every known `{name}` replaced by `values[name]`.
    static func substitute(_ word: String, with values: [String: String]) -> String {
        guard word.contains("{") else { return word }
        var result = ""
        var rest = word[...]
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "}"),
                let value = values[String(rest[afterOpen..<close])]
            else {
                result.append("{")
                rest = rest[afterOpen...]
                continue
            }
            result += value
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// Whether `word` uses the placeholder `name`.
    static func uses(_ name: String, in word: String) -> Bool {
        word.contains("{\(name)}")
    }
}
