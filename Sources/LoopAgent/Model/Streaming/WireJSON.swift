import Foundation
import LoopCore

/// Serialises JSON for the model: deterministic (the same value gives the same bytes, so the
/// server's prompt cache matches across steps), compact, and with the keys of an action in
/// the order a model should write them.
///
/// Order matters because a grammar-constrained server (llama.cpp turns a JSON schema into a
/// grammar) makes the model write an object's properties in the order the schema lists them.
/// Sorted keys would make it write `args` before `tool`, `content` before `path`, and an edit's
/// `replace` before its `search`: a small model then commits to an action before choosing it.
enum WireJSON {
    /// Keys written first, in this order; all other keys follow alphabetically.
    static let leadingKeys = [
        "tool", "path", "search", "replace", "content", "command", "pattern", "start_line", "end_line", "summary",
    ]

    static func data(_ value: JSONValue) -> Data { Data(text(value).utf8) }

    static func text(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    static func orderedKeys(_ keys: some Collection<String>) -> [String] {
        let leading = leadingKeys.filter { keys.contains($0) }
        return leading + keys.filter { !leadingKeys.contains($0) }.sorted()
    }

    private static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .number(let number): out += format(number)
        case .string(let string): writeString(string, into: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (index, key) in orderedKeys(object.keys).enumerated() {
                if index > 0 { out += "," }
                writeString(key, into: &out)
                out += ":"
                write(object[key] ?? .null, into: &out)
            }
            out += "}"
        }
    }

    private static func format(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        if number.rounded() == number, abs(number) < 1e15 { return String(Int64(number)) }
        return "\(number)"
    }

    private static func writeString(_ string: String, into out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
