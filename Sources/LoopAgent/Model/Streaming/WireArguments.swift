import Foundation
import LoopCore

/// Converts tool-call arguments between the wire forms and `JSONValue`.
///
/// OpenAI sends arguments as a JSON *string*, Ollama as an object, and small models get
/// either wrong. A string that does not parse stays `.string(raw)` so the agent can tell the
/// model its action was malformed; nothing here throws.
enum WireArguments {
    /// Arguments from the wire: objects stay, strings are parsed when they hold JSON.
    static func parse(_ value: JSONValue?) -> JSONValue {
        guard let value else { return .object([:]) }
        guard case .string(let raw) = value else { return value }
        return parse(raw)
    }

    /// Arguments from a JSON string (OpenAI); the raw text when it is not JSON.
    static func parse(_ raw: String) -> JSONValue {
        if raw.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return .object([:]) }
        if let value = try? JSONDecoder().decode(JSONValue.self, from: Data(raw.utf8)) { return value }
        return .string(raw)
    }

    /// The JSON string OpenAI expects; a kept raw string is sent back as it came.
    static func string(_ arguments: JSONValue) -> String {
        if case .string(let raw) = arguments { return raw }
        return WireJSON.text(arguments)
    }

    /// The object Ollama expects; anything else becomes `{}` (Ollama rejects non-objects).
    static func object(_ arguments: JSONValue) -> JSONValue {
        if case .object = arguments { return arguments }
        if case .string(let raw) = arguments, case .object(let object) = parse(raw) { return .object(object) }
        return .object([:])
    }
}
