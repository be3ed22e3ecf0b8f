import Foundation

/// A small, fast, reproducible random number generator (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Makes fuzz inputs from seeds: byte-level mutations (flips, interesting bytes, inserted
/// tokens, cut and duplicated ranges, truncation), structure-aware JSON mutations (fields
/// removed, renamed, retyped, the report identity planted so deep checks are reached, unknown
/// fields), deep nesting, huge values and splices of two seeds.
struct Mutator {
    private var rng: SplitMix64
    private let seeds: [Data]
    private let tokens: [String]
    private let isYAML: Bool
    /// Fields set to the identity a report must echo, so mutated reports pass the identity gate.
    private let identity: [String: Any]

    init(seed: UInt64, seeds: [Data], isYAML: Bool, identity: [String: Any]) {
        rng = SplitMix64(seed: seed)
        self.seeds = seeds.isEmpty ? [Data("{}".utf8)] : seeds
        self.isYAML = isYAML
        self.identity = identity
        tokens = isYAML ? Self.yamlTokens : Self.jsonTokens
    }

    static let jsonTokens = [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u0000", "\\ud800", "null", "true", "false", "-0", "1e999", "-1",
        "9223372036854775807", "18446744073709551616", "0.5", "\"approve\"", "\"changes_required\"", "\"task_id\"",
        "\"round\"", "\"run_id\"", "\"decision\"", "\"blocking_issues\"", "\"phase\"", "\"rounds\"", "\u{FEFF}", "é", "😀",
    ]
    static let yamlTokens = [
        "&a ", "*a", "<<: *a\n", "!!binary ", "!!int ", "!!str ", "!!map ", "---\n", "...\n", "\t", "? ", "- ", "{", "}", "[",
        "]", "|\n  ", ">\n  ", "%YAML 1.1\n", "max_rounds: ", "backends:\n  x:\n    command: ", "~", "null", "0x10", "1e999",
        ".inf", ".nan", "yes", "no", "on", "'", "\"", ": ", "\n", "  ", "#", "prices:\n  m: {input: ", "writes_report: ",
    ]

    mutating func next() -> Data {
        let seed = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
        switch Int.random(in: 0..<20, using: &rng) {
        case 0: return seed
        case 1: return deepNesting()
        case 2: return splice(seed, seeds[Int.random(in: 0..<seeds.count, using: &rng)])
        case 3...10 where !isYAML: return structural(seed) ?? bytes(seed)
        default: return bytes(seed)
        }
    }

    // MARK: - Byte level

    private mutating func bytes(_ seed: Data) -> Data {
        var data = [UInt8](seed)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let at = data.isEmpty ? 0 : Int.random(in: 0..<data.count, using: &rng)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0 where !data.isEmpty:
                data[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            case 1 where !data.isEmpty:
                data[at] = [0, 0xFF, 0x22, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x5C, 0x80, 0xC0, 0x0A][
                    Int.random(in: 0..<13, using: &rng)]
            case 2:
                data.insert(contentsOf: Array(tokens[Int.random(in: 0..<tokens.count, using: &rng)].utf8), at: at)
            case 3 where data.count > 1:
                let end = min(data.count, at + Int.random(in: 1...16, using: &rng))
                data.removeSubrange(at..<end)
            case 4 where !data.isEmpty:
                let end = min(data.count, at + Int.random(in: 1...32, using: &rng))
                data.insert(contentsOf: data[at..<end], at: at)
            case 5:
                data = Array(data.prefix(at))
            default:
                data.insert(UInt8.random(in: 0...255, using: &rng), at: at)
            }
        }
        return Data(data)
    }

    private mutating func splice(_ first: Data, _ second: Data) -> Data {
        let cut = first.isEmpty ? 0 : Int.random(in: 0..<first.count, using: &rng)
        let from = second.isEmpty ? 0 : Int.random(in: 0..<second.count, using: &rng)
        return first.prefix(cut) + second.suffix(from: second.startIndex + from)
    }

    private mutating func deepNesting() -> Data {
        let depth = [10, 100, 513, 2_000, 20_000][Int.random(in: 0..<5, using: &rng)]
        if isYAML { return Data(("a: " + String(repeating: "[", count: depth)).utf8) }
        return Data((String(repeating: "{\"a\": [", count: depth) + "1" + String(repeating: "]}", count: depth)).utf8)
    }

    // MARK: - Structure aware (JSON)

    private mutating func structural(_ seed: Data) -> Data? {
        guard var root = (try? JSONSerialization.jsonObject(with: seed, options: [.fragmentsAllowed])) as? [String: Any] else {
            return nil
        }
        if Bool.random(using: &rng) { root.merge(identity) { _, planted in planted } }
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            root = mutate(root, depth: 0)
        }
        return try? JSONSerialization.data(withJSONObject: root, options: [.fragmentsAllowed])
    }

    private mutating func mutate(_ object: [String: Any], depth: Int) -> [String: Any] {
        var object = object
        let keys = Array(object.keys).sorted()
        guard !keys.isEmpty else {
            object["k"] = randomValue(depth: depth)
            return object
        }
        let key = keys[Int.random(in: 0..<keys.count, using: &rng)]
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: object.removeValue(forKey: key)
        case 1: object[key] = randomValue(depth: depth)
        case 2: object["unknown_\(Int.random(in: 0..<100, using: &rng))"] = randomValue(depth: depth)
        case 3:
            let value = object.removeValue(forKey: key)
            object[key.uppercased() + (Bool.random(using: &rng) ? " " : "")] = value
        case 4:
            if let nested = object[key] as? [String: Any], depth < 4 {
                object[key] = mutate(nested, depth: depth + 1)
            } else if var list = object[key] as? [Any], !list.isEmpty {
                let index = Int.random(in: 0..<list.count, using: &rng)
                if let nested = list[index] as? [String: Any], depth < 4 {
                    list[index] = mutate(nested, depth: depth + 1)
                } else {
                    list[index] = randomValue(depth: depth)
                }
                object[key] = list
            } else {
                object[key] = randomValue(depth: depth)
            }
        default: object[key] = [randomValue(depth: depth + 1)]
        }
        return object
    }

    private mutating func randomValue(depth: Int) -> Any {
        switch Int.random(in: 0..<(depth > 3 ? 4 : 6), using: &rng) {
        case 0: return NSNull()
        case 1: return Bool.random(using: &rng)
        case 2:
            let numbers: [Any] = [0, -1, 1, 2, 3, Int.max, Int.min, 1e15, 1e16, 9_007_199_254_740_993, 0.5, -0.0, 1e308, Double.leastNonzeroMagnitude]
            return numbers[Int.random(in: 0..<numbers.count, using: &rng)]
        case 3:
            let strings = [
                "", "approve", "changes_required", "APPROVE", " approve", "approve\u{0}", "T-1", "../../etc/passwd",
                "run-20260101T000000-abcdef01.r2.reviewer1", "run-20260101T000000-abcdef01.r2.reviewer2", "done",
                "working", "interrupted", String(repeating: "x", count: 10_000), "é😀\u{202E}", "\n", "null",
            ]
            return strings[Int.random(in: 0..<strings.count, using: &rng)]
        case 4: return [randomValue(depth: depth + 1), randomValue(depth: depth + 1)]
        default: return ["severity": randomValue(depth: depth + 1), "reason": randomValue(depth: depth + 1)]
        }
    }
}
