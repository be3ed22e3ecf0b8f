import Foundation
import LoopCore

/// One `events.jsonl` line as a person reads it:
/// `11:02:03  r2  verify_finished     commands=1 passed=true phase=reviewing`.
///
/// The time is the event's own (UTC, as on the bus); fields follow sorted by name, strings
/// quoted only when they hold a space.
enum EventLine {
    static func format(_ event: Event) -> String {
        let time = clock(event.ts)
        let round = event.round.map { "r\($0)" } ?? "  "
        let name = event.event.padding(toLength: max(event.event.count, 18), withPad: " ", startingAt: 0)
        let fields = event.fields.keys.sorted().compactMap { key in
            event.fields[key].map { "\(key)=\(text($0))" }
        }
        return
            "\(time)  \(round.padding(toLength: 3, withPad: " ", startingAt: 0)) \(name) \(fields.joined(separator: " "))"
            .trimmingCharacters(in: .whitespaces)
    }

    /// `HH:MM:SS` of an ISO 8601 timestamp (`2026-12-04T11:02:03.042Z`), or the text as is.
    static func clock(_ ts: String) -> String {
        guard let t = ts.firstIndex(of: "T") else { return ts }
        return String(ts[ts.index(after: t)...].prefix(8))
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number):
            return number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .string(let string):
            return string.contains(" ") || string.isEmpty ? "\"\(string)\"" : string
        case .array, .object:
            let data = (try? JSONEncoder.line.encode(value)) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }
}

/// Reads `events.jsonl` from an offset: only whole lines (a line still being appended waits
/// for its newline), and from the start again when the file was replaced by a shorter one
/// (`--reset` archives it).
struct EventFileReader {
    let path: String
    private(set) var offset: UInt64 = 0

    init(path: String) { self.path = path }

    /// The complete lines added since the last call; none when the file does not exist yet.
    mutating func newLines() -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        if size < offset { offset = 0 }
        guard size > offset else { return [] }
        try? handle.seek(toOffset: offset)
        guard let data = try? handle.read(upToCount: Int(size - offset)),
            let lastNewline = data.lastIndex(of: UInt8(ascii: "\n"))
        else { return [] }
        let complete = data[data.startIndex...lastNewline]
        offset += UInt64(complete.count)
        return String(decoding: complete, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
