import Foundation
import LoopCore

/// Turns a model reply into one action, or says exactly why it is not one.
///
/// Servers that ignore the schema still answer 200 with free text; every reply is validated
/// here, and free text where an action was asked for is a malformed action, never success.
package enum ActionParser {
    /// The action in a JSON-mode reply: `{"tool": name, "args": {...}}`.
    package static func parse(_ reply: String, tools: [ToolSpec]) -> Result<ToolCall, ActionError> {
        guard let object = firstJSONObject(in: reply) else {
            return .failure(ActionError("the reply is not a JSON object"))
        }
        guard let name = object["tool"]?.stringValue ?? object["name"]?.stringValue else {
            return .failure(ActionError("the JSON has no \"tool\" string"))
        }
        let arguments = object["args"] ?? object["arguments"] ?? .object([:])
        return validate(ToolCall(id: "call-\(UInt32.random(in: 0 ... .max))", name: name, arguments: arguments), tools: tools)
    }

    /// Checks a tool call (native or parsed) against the tool specs: known tool, arguments an
    /// object, required arguments present with the right JSON type.
    package static func validate(_ call: ToolCall, tools: [ToolSpec]) -> Result<ToolCall, ActionError> {
        guard let spec = tools.first(where: { $0.name == call.name }) else {
            return .failure(ActionError("unknown tool \"\(call.name)\"; use one of \(tools.map(\.name).joined(separator: ", "))"))
        }
        var arguments = call.arguments
        if case .string(let text) = arguments {
            guard let parsed = firstJSONObject(in: text) else {
                return .failure(ActionError("the arguments of \(call.name) are not a JSON object"))
            }
            arguments = .object(parsed)
        }
        guard case .object(let given) = arguments else {
            return .failure(ActionError("the arguments of \(call.name) must be an object"))
        }
        let properties = spec.parameters["properties"]?.objectValue ?? [:]
        let required = spec.parameters["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for name in required {
            guard let value = given[name], value != .null else {
                return .failure(ActionError("\(call.name) needs the argument \"\(name)\""))
            }
            if let type = properties[name]?["type"]?.stringValue, !matches(value, type: type) {
                return .failure(ActionError("\(call.name): \"\(name)\" must be a \(type)"))
            }
        }
        return .success(ToolCall(id: call.id, name: call.name, arguments: .object(given)))
    }

    /// The first decodable JSON object in `text` (tolerating a code fence or chatter around it).
    static func firstJSONObject(in text: String) -> [String: JSONValue]? {
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            guard let open = bytes[start...].firstIndex(of: UInt8(ascii: "{")) else { return nil }
            if let end = matchingBrace(bytes, from: open),
                let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes[open...end])),
                case .object(let object) = value
            {
                return object
            }
            start = open + 1
        }
        return nil
    }

    private static func matchingBrace(_ bytes: [UInt8], from open: Int) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        for index in open..<bytes.count {
            let byte = bytes[index]
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 { return index }
            default: break
            }
        }
        return nil
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("object", .object), ("array", .array), ("boolean", .bool): return true
        case ("integer", .number(let number)): return number.rounded() == number
        case ("number", .number): return true
        default: return false
        }
    }
}

/// Why a reply was not a valid action (told back to the model as a correction).
package struct ActionError: Error, Equatable, Sendable {
    package var reason: String
    package init(_ reason: String) { self.reason = reason }
}
