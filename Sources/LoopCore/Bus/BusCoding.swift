import Foundation

/// A coding key for any field name: how a bus type writes back the fields it does not model.
struct AnyCodingKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A bus file written whole: pretty-printed with sorted keys and replaced atomically, so a
/// reader never sees half of it. `write(to:)` is the only way the PM and the built-in agent
/// write these files.
package protocol BusDocument: Encodable {}

extension BusDocument {
    /// Encodes the value with `JSONEncoder.bus` and replaces `path` atomically.
    ///
    /// - Parameter durable: false for files rewritten every few seconds (heartbeats): still
    ///   atomic, without the two fsyncs.
    package func write(to path: String, durable: Bool = true) throws {
        try AtomicFile.write(try JSONEncoder.bus.encode(self), to: path, durable: durable)
    }

    /// The value as one file of a step whose files are written together, sharing one folder
    /// fsync (`AtomicFile.write(together:)`), e.g. a review request with the state that
    /// records it: `try AtomicFile.write(together: [request.file(at: a), state.file(at: b)])`.
    package func file(at path: String) throws -> AtomicFile.Item {
        AtomicFile.Item(try JSONEncoder.bus.encode(self), to: path)
    }
}

/// One line of an append-only JSONL log (`events.jsonl`, `usage.jsonl`).
package protocol BusLine: Encodable {}

extension BusLine {
    /// The value as one JSON line (sorted keys, no newline).
    package func encodedLine() throws -> String {
        String(decoding: try JSONEncoder.line.encode(self), as: UTF8.self)
    }

    /// Appends the value to `path` as one line.
    package func append(to path: String) throws {
        try AtomicFile.appendLine(try encodedLine(), to: path)
    }
}

extension KeyedEncodingContainer where K == AnyCodingKey {
    /// Writes fields kept from a file as they were read.
    mutating func encodeUnknown(_ fields: [String: JSONValue]) throws {
        for (name, value) in fields { try encode(value, forKey: AnyCodingKey(name)) }
    }
}

extension JSONValue {
    /// The JSON object a value encodes to, for callers that look fields up by name.
    static func object(encoding value: some Encodable) -> [String: JSONValue] {
        guard let data = try? JSONEncoder.line.encode(value),
            let decoded = try? JSONDecoder().decode(JSONValue.self, from: data)
        else { return [:] }
        return decoded.objectValue ?? [:]
    }
}
