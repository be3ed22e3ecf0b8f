#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore
import Testing

/// Measured results for `docs/RELIABILITY.md`: with `LOOP_RELIABILITY_REPORT=<path>` every
/// case appends one JSON line there (`scripts/reliability` renders the page from them).
/// Without it, nothing is written.
enum Recorder {
    static let path: String? = {
        let value = ProcessInfo.processInfo.environment["LOOP_RELIABILITY_REPORT"] ?? ""
        return value.isEmpty ? nil : value
    }()

    /// Records a case made of named checks (`failed_checks` lists the ones that did not hold)
    /// and expects each of them, so the test fails on the same checks the page reports.
    @discardableResult
    static func checks(
        suite: String, name: String, _ checks: [(String, Bool)], _ fields: [String: JSONValue] = [:],
        explain: String = ""
    ) -> Bool {
        let failed = checks.filter { !$0.1 }.map(\.0)
        var all = fields
        all.put("failed_checks", failed)
        record(suite: suite, name: name, passed: failed.isEmpty, all)
        for (what, held) in checks { #expect(held, "\(name): \(what)\(explain.isEmpty ? "" : "\n\(explain)")") }
        return failed.isEmpty
    }

    /// Appends `{"suite": …, "case": …, "passed": …, …fields}` as one line.
    static func record(suite: String, name: String, passed: Bool, _ fields: [String: JSONValue] = [:]) {
        guard let path else { return }
        var object = fields
        object["suite"] = .string(suite)
        object["case"] = .string(name)
        object["passed"] = .bool(passed)
        object["mode"] = .string(Matrix.isFull ? "full" : "sampled")
        guard let data = try? JSONEncoder.line.encode(JSONValue.object(object)) else { return }
        try? AtomicFile.appendLine(String(decoding: data, as: UTF8.self), to: path)
    }
}

/// The full matrix (`LOOP_RELIABILITY_FULL=1`, as `scripts/reliability` sets) or the sampled
/// subset the normal `swift test` run uses.
enum Matrix {
    static let isFull = ProcessInfo.processInfo.environment["LOOP_RELIABILITY_FULL"] == "1"

    static func pick<T>(full: [T], sampled: [T]) -> [T] { isFull ? full : sampled }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// Adds `value` as a JSON string, number or boolean.
    mutating func put(_ key: String, _ value: String?) { self[key] = value.map(JSONValue.string) ?? .null }
    mutating func put(_ key: String, _ value: Int) { self[key] = .number(Double(value)) }
    mutating func put(_ key: String, _ value: Int32) { self[key] = .number(Double(value)) }
    mutating func put(_ key: String, _ value: Double) { self[key] = .number((value * 100).rounded() / 100) }
    mutating func put(_ key: String, _ value: Bool) { self[key] = .bool(value) }
    mutating func put(_ key: String, _ values: [String]) { self[key] = .array(values.map(JSONValue.string)) }
}

/// Tests that reproduce a product bug are disabled (`.disabled(if: Bugs.hidden, "bug: …")`)
/// so the suite stays green; `LOOP_RELIABILITY_BUGS=1` runs them (they fail until fixed).
enum Bugs {
    static let hidden = ProcessInfo.processInfo.environment["LOOP_RELIABILITY_BUGS"] != "1"
}
