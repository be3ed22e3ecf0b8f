package import LoopCore
import Foundation

/// Typed access to a tool call's arguments, with errors that name the argument.
///
/// Small models send numbers as strings, `null` for optional fields, and sometimes the
/// whole arguments object as a JSON string; those are tolerated. Anything else becomes an
/// `ArgumentError` whose message tells the model exactly which argument to fix.
package struct ToolArguments: Sendable {
    package let tool: String
    private let values: [String: JSONValue]

    /// Why an argument was not accepted.
    package struct ArgumentError: Error, Sendable, Equatable {
        package var message: String
    }

    /// - Throws: `ArgumentError` when `raw` is not an object (or a string holding one).
    package init(tool: String, raw: JSONValue) throws {
        self.tool = tool
        switch raw {
        case .object(let object):
            values = object
        case .null:
            values = [:]
        case .string(let text):
            guard let data = text.data(using: .utf8),
                let decoded = try? JSONDecoder().decode(JSONValue.self, from: data),
                let object = decoded.objectValue
            else { throw ArgumentError(message: "arguments for \(tool) must be a JSON object, got a string") }
            values = object
        default:
            throw ArgumentError(message: "arguments for \(tool) must be a JSON object, got \(raw.typeName)")
        }
    }

    /// A required string argument.
    package func string(_ name: String) throws -> String {
        guard let value = try optionalString(name) else {
            throw ArgumentError(message: "missing required argument '\(name)' (a string) for \(tool)")
        }
        return value
    }

    /// An optional string argument (`null` counts as absent).
    package func optionalString(_ name: String) throws -> String? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw wrongType(name, expected: "a string", got: other)
        }
    }

    /// An optional integer argument; a string of digits is accepted (`"10"`).
    package func optionalInt(_ name: String) throws -> Int? {
        switch values[name] {
        case nil, .null?: return nil
        case .number(let number)?:
            guard let value = JSONValue.number(number).intValue else {
                throw ArgumentError(message: "argument '\(name)' for \(tool) must be a whole number, got \(number)")
            }
            return value
        case .string(let text)?:
            if let value = Int(text.trimmingWhitespace()) { return value }
            throw wrongType(name, expected: "an integer", got: .string(text))
        case let other?: throw wrongType(name, expected: "an integer", got: other)
        }
    }

    private func wrongType(_ name: String, expected: String, got: JSONValue) -> ArgumentError {
        ArgumentError(message: "argument '\(name)' for \(tool) must be \(expected), got \(got.typeName)")
    }
}
