import Foundation
import LoopCore

/// Decoding of one output line as JSON, tolerant of everything else.
enum JSONLine {
    /// The JSON object on `line`, or nil when the line is not one (plain text, arrays, garbage).
    static func object(_ line: String) -> JSONValue? {
        guard line.utf8.first(where: { $0 != 0x20 && $0 != 0x09 }) == UInt8(ascii: "{") else { return nil }
        return decode(line)
    }

    /// Decodes `text` as a JSON object, or nil.
    static func decode(_ text: String) -> JSONValue? {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
            case .object = value
        else { return nil }
        return value
    }
}

extension JSONValue {
    /// The value at a path of object keys, e.g. `event[path: "item", "text"]`.
    subscript(path keys: String...) -> JSONValue? {
        var current: JSONValue? = self
        for key in keys { current = current?[key] }
        return current
    }

    /// A number as Double (JSON numbers, or numeric strings some CLIs print).
    var doubleValue: Double? {
        switch self {
        case .number(let value): return value
        case .string(let text): return Double(text)
        default: return nil
        }
    }

    /// A count: a non-negative number that fits an Int, else 0. Token counts are never fatal.
    var count: Int {
        guard let value = doubleValue, value.isFinite, value >= 0, value < 1e15 else { return 0 }
        return Int(value)
    }

    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// A non-empty string, or nil.
    var nonEmptyString: String? {
        guard let text = stringValue, !text.isEmpty else { return nil }
        return text
    }

    /// Error text from either `"error": "text"` or `"error": {"message": "text", ...}`.
    var errorText: String? {
        if let text = nonEmptyString { return text }
        if let message = self["message"]?.nonEmptyString { return message }
        return nil
    }
}

extension Optional where Wrapped == JSONValue {
    /// Count at an optional value (0 when absent).
    var count: Int { self?.count ?? 0 }
}
