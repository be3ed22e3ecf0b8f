import Foundation

/// Finds where JSON text first breaks the grammar (RFC 8259), as a line and column a person
/// can go to: Foundation's decoder on Linux only says "The given data was not valid JSON."
struct JSONSyntaxLocator {
    /// The first syntax error: 1-based line and column (in characters) and what was expected.
    struct Problem: Sendable, Equatable {
        var line: Int
        var column: Int
        var message: String

        var description: String { "line \(line), column \(column): \(message)" }
    }

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0

    private struct TooDeep: Error {}

    private init(_ data: Data) {
        bytes = Array(data)
    }

    /// The first syntax error in `data`, or nil when it is valid JSON (or too deep to check).
    static func locate(in data: Data) -> Problem? {
        var locator = JSONSyntaxLocator(data)
        do {
            locator.skipSpace()
            try locator.value()
            locator.skipSpace()
            if locator.index < locator.bytes.count { throw locator.problem("unexpected text after the JSON value") }
            return nil
        } catch let problem as Problem {
            return problem
        } catch {
            return nil
        }
    }

    // MARK: - Grammar

    private mutating func value() throws {
        guard let byte = peek() else { throw problem("the file ends where a value was expected") }
        switch byte {
        case UInt8(ascii: "{"): try object()
        case UInt8(ascii: "["): try array()
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default:
            throw problem("expected a value (a string in double quotes, number, object, list, true, false or null)")
        }
    }

    private mutating func object() throws {
        try nest()
        index += 1
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return
        }
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw problem("expected a field name in double quotes") }
            try string()
            skipSpace()
            guard peek() == UInt8(ascii: ":") else { throw problem("expected ':' after the field name") }
            index += 1
            skipSpace()
            try value()
            skipSpace()
            if peek() == UInt8(ascii: ",") {
                index += 1
                skipSpace()
                if peek() == UInt8(ascii: "}") { throw problem("a trailing ',' before '}' is not allowed") }
                continue
            }
            guard peek() == UInt8(ascii: "}") else { throw problem("expected ',' or '}' after the value") }
            index += 1
            depth -= 1
            return
        }
    }

    private mutating func array() throws {
        try nest()
        index += 1
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return
        }
        while true {
            try value()
            skipSpace()
            if peek() == UInt8(ascii: ",") {
                index += 1
                skipSpace()
                if peek() == UInt8(ascii: "]") { throw problem("a trailing ',' before ']' is not allowed") }
                continue
            }
            guard peek() == UInt8(ascii: "]") else { throw problem("expected ',' or ']' after the list item") }
            index += 1
            depth -= 1
            return
        }
    }

    private mutating func string() throws {
        let start = index
        index += 1
        while let byte = peek() {
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return
            case UInt8(ascii: "\\"):
                guard let escaped = peek(), "\"\\/bfnrtu".utf8.contains(escaped) else {
                    throw problem("unknown escape in a string")
                }
                index += 1
            case 0..<0x20:
                index -= 1
                throw problem("a line break or control character inside a string (write \\n)")
            default: break
            }
        }
        index = start
        throw problem("this string is never closed with '\"'")
    }

    private mutating func number() throws {
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw problem("expected a digit")
        }
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "+-.eE".utf8.contains(byte) {
            index += 1
        }
    }

    private mutating func literal(_ word: String) throws {
        let expected = Array(word.utf8)
        guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
            throw problem("expected a value (strings need double quotes)")
        }
        index += expected.count
    }

    private mutating func nest() throws {
        depth += 1
        // Deeper than any bus file: leave the verdict to the decoder rather than recurse on.
        if depth > 200 { throw TooDeep() }
    }

    // MARK: - Helpers

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    /// The problem at the current position.
    private func problem(_ message: String) -> Problem {
        let before = bytes[..<min(index, bytes.count)]
        let line = before.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        let column = String(decoding: bytes[lineStart..<min(index, bytes.count)], as: UTF8.self).count + 1
        return Problem(line: line, column: column, message: message)
    }
}

extension JSONSyntaxLocator.Problem: Error {}
