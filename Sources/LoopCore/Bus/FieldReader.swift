package import Foundation

/// Reads typed fields out of a JSON object and fails with one line naming the file, the field
/// and what was expected.
package struct FieldReader: Sendable {
    package let path: String
    package let object: [String: JSONValue]
    private var prefix: String = ""

    /// Parses `data` as a JSON object.
    package init(data: Data, path: String) throws {
        self.path = path
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch let error as DecodingError {
            throw LoopError.invalidJSON(path: path, detail: FieldReader.describe(error, data: data))
        }
        guard case .object(let object) = value else {
            throw LoopError.invalidJSON(
                path: path, detail: "expected a JSON object at the top level, got \(value.typeName)")
        }
        self.object = object
    }

    package init(object: [String: JSONValue], path: String) {
        self.path = path
        self.object = object
    }

    /// Reads a file from disk and parses it.
    package static func load(_ path: String, missingHint: String) throws -> FieldReader {
        guard Filesystem.exists(path) else { throw LoopError.missingFile(path: path, hint: missingHint) }
        return try FieldReader(data: try Filesystem.read(path), path: path)
    }

    private func fail(_ field: String, _ expected: String) -> LoopError {
        LoopError.invalidField(path: path, field: prefix + field, expected: expected)
    }

    private func got(_ field: String) -> String {
        guard let value = object[field] else { return "it is missing" }
        return "got \(value.typeName)"
    }

    package func requiredString(_ field: String, allowEmpty: Bool = false) throws -> String {
        guard let value = object[field]?.stringValue, allowEmpty || !value.isEmpty else {
            throw fail(field, "must be a non-empty string (\(got(field)))")
        }
        return value
    }

    package func optionalString(_ field: String) throws -> String? {
        guard let value = object[field], value != .null else { return nil }
        guard let text = value.stringValue else { throw fail(field, "must be a string (got \(value.typeName))") }
        return text
    }

    package func requiredInt(_ field: String) throws -> Int {
        guard let value = object[field]?.intValue else { throw fail(field, "must be an integer (\(got(field)))") }
        return value
    }

    package func optionalInt(_ field: String) throws -> Int? {
        guard let value = object[field], value != .null else { return nil }
        guard let number = value.intValue else { throw fail(field, "must be an integer (got \(value.typeName))") }
        return number
    }

    package func optionalBool(_ field: String) throws -> Bool? {
        guard let value = object[field], value != .null else { return nil }
        guard case .bool(let flag) = value else { throw fail(field, "must be true or false (got \(value.typeName))") }
        return flag
    }

    /// A list of strings; missing means empty.
    package func stringList(_ field: String, required: Bool = false) throws -> [String] {
        guard let value = object[field], value != .null else {
            if required { throw fail(field, "must be a list of strings (it is missing)") }
            return []
        }
        guard let items = value.arrayValue else {
            throw fail(field, "must be a list of strings (got \(value.typeName))")
        }
        return try items.enumerated().map { index, item in
            guard let text = item.stringValue else {
                throw fail("\(field)[\(index)]", "must be a string (got \(item.typeName))")
            }
            return text
        }
    }

    /// A list of objects; missing means empty.
    package func objectList(_ field: String) throws -> [[String: JSONValue]] {
        guard let value = object[field], value != .null else { return [] }
        guard let items = value.arrayValue else {
            throw fail(field, "must be a list of objects (got \(value.typeName))")
        }
        return try items.enumerated().map { index, item in
            guard let object = item.objectValue else {
                throw fail("\(field)[\(index)]", "must be an object (got \(item.typeName))")
            }
            return object
        }
    }

    /// Nested reader for an element of an object list, with the index in its error path.
    package func nested(_ object: [String: JSONValue], at field: String) -> FieldReader {
        FieldReader(object: object, path: path).prefixing(field)
    }

    private func prefixing(_ field: String) -> FieldReader {
        var copy = self
        copy.prefix = field + "."
        return copy
    }

    package static func describe(_ error: DecodingError, data: Data) -> String {
        if data.isEmpty { return "the file is empty" }
        switch error {
        case .dataCorrupted(let context):
            if let problem = JSONSyntaxLocator.locate(in: data) { return "not valid JSON at \(problem.description)" }
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return "not valid JSON (\(underlying ?? context.debugDescription))"
        case .keyNotFound(let key, _):
            return "field '\(key.stringValue)' is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "field '\(field)' has the wrong type"
        @unknown default:
            return "not valid JSON"
        }
    }
}
