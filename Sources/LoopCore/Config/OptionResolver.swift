import Foundation
import Yams

/// The effective run options and where each came from:
/// flags > environment (`LOOP_*`) > `.loop/config.yaml` > built-in defaults.
package struct ResolvedConfig: Sendable {
    package var options: RunOptions
    /// Option key → `flag`, `env LOOP_X`, `config.yaml` or `default`.
    package var sources: [String: String]
    package var backends: [String: BackendConfig]
    /// Non-fatal findings, e.g. unknown keys in config.yaml.
    package var warnings: [String]
    /// Keys set by a flag or the environment (not by config or defaults).
    package var explicitKeys: Set<String>
}

package enum OptionResolver {
    /// Keys that are options of a run (as in config.yaml).
    package static var optionKeys: [String] {
        guard case .object(let object) = defaultObject() else { return [] }
        return object.keys.filter { $0 != "max_rounds_explicit" }.sorted()
    }

    /// Resolves options from the layers.
    /// - Parameters:
    ///   - configPath: `.loop/config.yaml`; a missing file is fine.
    ///   - environment: the process environment (only `LOOP_<KEY>` for known keys is read).
    ///   - flags: option key → value given on the command line.
    package static func resolve(configPath: String, environment: [String: String], flags: [String: JSONValue]) throws
        -> ResolvedConfig
    {
        guard case .object(var merged) = defaultObject() else { throw LoopError.config("internal: default options") }
        var sources = Dictionary(uniqueKeysWithValues: merged.keys.map { ($0, "default") })
        var warnings: [String] = []
        var backends: [String: BackendConfig] = [:]
        var explicit: Set<String> = []

        if Filesystem.exists(configPath) {
            let text = String(decoding: try Filesystem.read(configPath, limit: 1024 * 1024), as: UTF8.self)
            // Parsed once (every round subprocess pays for it): the options and the backends
            // are both read from this one tree.
            let root: Node?
            do {
                root = try Yams.compose(yaml: text)
                // Yams' Any-constructor traps on a non-scalar mapping key (`? [a] : 1`):
                // refuse those first, with a line the user can act on.
                if let bad = Self.nonScalarKey(in: root) {
                    throw LoopError.invalidJSON(path: configPath, detail: "a mapping key must be a plain name, not \(bad)")
                }
            } catch let error as LoopError {
                throw error
            } catch {
                if let problem = YAMLProblem(error, text: text) {
                    throw LoopError.config(problem.message(path: configPath, text: text))
                }
                // Yams' own descriptions may quote the whole file: keep their first line.
                let first = String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable"
                throw LoopError.invalidJSON(path: configPath, detail: "not valid YAML (\(first))")
            }
            let loaded = root?.any
            if let top = loaded, !(top is [String: Any]) {
                throw LoopError.invalidJSON(
                    path: configPath, detail: "expected a mapping of option: value at the top level")
            }
            for (key, raw) in (loaded as? [String: Any]) ?? [:] {
                if key == "backends" { continue }
                guard let current = merged[key], key != "max_rounds_explicit" else {
                    if !extraKeys.contains(key) { warnings.append("\(configPath): unknown key '\(key)' ignored") }
                    continue
                }
                guard let value = typed(raw, like: current, fractional: fractionalKeys.contains(key)) else {
                    throw LoopError.invalidField(
                        path: configPath, field: key, expected: "must be \(typeName(current, key: key)) (got \(raw))")
                }
                merged[key] = value
                sources[key] = "config.yaml"
            }
            struct BackendsOnly: Decodable { var backends: [String: BackendConfig]? }
            do {
                if let root { backends = try YAMLDecoder().decode(BackendsOnly.self, from: root).backends ?? [:] }
            } catch {
                throw LoopError.invalidJSON(path: configPath, detail: "the backends section is invalid (\(error))")
            }
        }
        for key in merged.keys where key != "max_rounds_explicit" {
            let name = "LOOP_" + key.uppercased()
            guard let text = environment[name], let current = merged[key] else { continue }
            guard let value = parse(text, like: current, fractional: fractionalKeys.contains(key)) else {
                throw LoopError.config("\(name)=\(text) is not valid: it must be \(typeName(current, key: key)).")
            }
            merged[key] = value
            sources[key] = "env \(name)"
            explicit.insert(key)
        }
        for (key, value) in flags {
            merged[key] = value
            sources[key] = "flag"
            explicit.insert(key)
        }
        merged["max_rounds_explicit"] = .bool(explicit.contains("max_rounds"))
        let data = try JSONEncoder().encode(JSONValue.object(merged))
        let options = try JSONDecoder().decode(RunOptions.self, from: data)
        return ResolvedConfig(
            options: options, sources: sources, backends: backends, warnings: warnings, explicitKeys: explicit)
    }

    /// A description of the first mapping key anywhere in `node` that is not a scalar.
    static func nonScalarKey(in node: Node?) -> String? {
        guard let node else { return nil }
        switch node {
        case .scalar, .alias:
            return nil
        case .sequence(let sequence):
            for item in sequence { if let bad = nonScalarKey(in: item) { return bad } }
            return nil
        case .mapping(let mapping):
            for (key, value) in mapping {
                if key.scalar == nil { return key.sequence != nil ? "a list" : "a mapping" }
                if let bad = nonScalarKey(in: value) { return bad }
            }
            return nil
        }
    }

    /// Keys config.yaml may hold that are not run options (used by later features).
    static let extraKeys: Set<String> = ["prices", "notify"]

    /// `prices:` from config.yaml: model → price per million tokens.
    package static func prices(configPath: String) -> [String: UsageSummary.Price] {
        struct PricesOnly: Decodable { var prices: [String: UsageSummary.Price]? }
        // Parsing YAML costs milliseconds: `status` only pays it when there are prices.
        guard let data = FileManager.default.contents(atPath: configPath),
            data.range(of: Data("prices:".utf8)) != nil,
            (try? nonScalarKey(in: Yams.compose(yaml: String(decoding: data, as: UTF8.self)))) == .some(nil),
            let decoded = try? YAMLDecoder().decode(PricesOnly.self, from: String(decoding: data, as: UTF8.self))
        else { return [:] }
        return decoded.prices ?? [:]
    }

    private static func defaultObject() -> JSONValue {
        var options = RunOptions()
        options.workerModel = ""
        options.reviewerModel = ""
        guard let data = try? JSONEncoder().encode(options),
            var value = try? JSONDecoder().decode(JSONValue.self, from: data), case .object(var object) = value
        else { return .null }
        object["worker_model"] = .null
        object["reviewer_model"] = .null
        value = .object(object)
        return value
    }

    /// Options that take a fractional number; every other number is a whole number.
    static let fractionalKeys: Set<String> = ["max_cost"]

    private static func typeName(_ like: JSONValue, key: String = "") -> String {
        switch like {
        case .bool: "true or false"
        case .number: fractionalKeys.contains(key) ? "a number" : "a whole number"
        default: "a string"
        }
    }

    private static func typed(_ raw: Any, like current: JSONValue, fractional: Bool) -> JSONValue? {
        switch current {
        case .bool: return (raw as? Bool).map(JSONValue.bool)
        case .number:
            if raw is Bool { return nil }
            if let whole = raw as? Int { return .number(Double(whole)) }
            if fractional, let number = raw as? Double { return .number(number) }
            return nil
        default:
            if raw is NSNull { return .null }
            if let text = raw as? String { return .string(text) }
            if raw is Bool || raw is [Any] || raw is [String: Any] { return nil }
            return .string("\(raw)")
        }
    }

    /// Parses a flag or environment value as the type of `current`.
    package static func parse(_ text: String, like current: JSONValue, fractional: Bool = false) -> JSONValue? {
        switch current {
        case .bool:
            switch text.lowercased() {
            case "1", "true", "yes", "on": return .bool(true)
            case "0", "false", "no", "off": return .bool(false)
            default: return nil
            }
        case .number:
            if fractional { return Double(text).map { .number($0) } }
            return Int(text).map { .number(Double($0)) }
        default: return text.isEmpty ? .null : .string(text)
        }
    }
}
