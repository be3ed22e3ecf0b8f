import Foundation
import LoopCore

/// Maps backend names to runnable entries: the built-ins, tuned or replaced by the
/// `backends:` map of `.loop/config.yaml`, plus the user's own `command` backends.
///
/// Names are case-insensitive. Mistakes in an entry do not stop the registry from being
/// built; they are kept on the entry and reported by preflight, so one bad backend cannot
/// hide the others.
struct BackendRegistry: Sendable {
    /// The agent CLIs `loop` runs without configuration, each defined in its own file under
    /// `Backends/`. A new CLI is one file there and one line here.
    static let builtins: [BuiltinBackend] = [.codex, .claude, .opencode, .gemini, .aider, .mini]

    /// The output formats `parser:` may name: plain text, the built-ins' formats, the built-in
    /// agent's.
    static let parsers: [ParserKind] = ([.text] + builtins.map(\.parser) + [.loopAgent]).reduce(into: []) {
        formats, format in
        if !formats.contains(format) { formats.append(format) }
    }

    private(set) var entries: [String: Backend] = [:]

    init(configured: [String: BackendConfig]) {
        for builtin in Self.builtins {
            entries[builtin.name] = Backend(builtin: builtin)
        }
        for provider in AgentProvider.allCases {
            entries[provider.rawValue] = Backend(agent: provider)
        }
        for (rawName, config) in configured {
            let name = rawName.lowercased()
            entries[name] = Self.entry(named: name, config: config, base: entries[name])
        }
    }

    /// The entry for `name`, or nil when no backend has that name.
    func backend(named name: String) -> Backend? {
        entries[name.lowercased()]
    }

    /// Every name, sorted.
    var names: [String] { entries.keys.sorted() }

    // MARK: - Building entries

    private static func entry(named name: String, config: BackendConfig, base: Backend?) -> Backend {
        var backend: Backend
        if let command = config.command {
            backend = Backend(name: name, command: command)
            backend.problems += commandProblems(name: name, command: command)
            if let parser = config.parser {
                if let kind = ParserKind.named(parser) {
                    backend.parser = kind
                } else {
                    backend.problems.append(
                        "backends.\(name).parser '\(parser)' is unknown. Use one of: \(ParserKind.names).")
                }
            }
            if let via = config.promptVia {
                if let delivery = PromptDelivery(rawValue: via.lowercased()) {
                    backend.promptDelivery = delivery
                } else {
                    backend.problems.append(
                        "backends.\(name).prompt_via '\(via)' is unknown. Use one of: \(PromptDelivery.names).")
                }
            }
            if let program = config.program, !program.isEmpty {
                backend.program = program
            }
        } else if let base, base.kind.isTunable {
            backend = base
            if let program = config.program, !program.isEmpty { backend.program = program }
            for (setting, value) in [("prompt_via", config.promptVia), ("parser", config.parser)] where value != nil {
                backend.problems.append(
                    "backends.\(name).\(setting) only applies to command backends; remove it from .loop/config.yaml.")
            }
        } else {
            backend = Backend(name: name, command: [])
            backend.problems.append(
                "backends.\(name) in .loop/config.yaml has no command, and \(name) is not a built-in backend "
                    + "(\((Self.builtins.map(\.name) + AgentProvider.allCases.map(\.rawValue)).joined(separator: ", "))). "
                    + "Add command: [\"my-agent\", \"--prompt-file\", \"{prompt_file}\"].")
        }
        backend.extraArgs = config.args ?? []
        if let model = config.model, !model.isEmpty { backend.model = model }
        backend.environment = config.env ?? [:]
        backend.isSandboxed = config.sandbox ?? false
        if let writesReport = config.writesReport { backend.writesReport = writesReport }
        if let hint = config.installHint, !hint.isEmpty { backend.installHint = hint }
        if let pattern = config.rateLimitPattern {
            backend.rateLimitPattern = pattern
            if let problem = TextPattern.problem(in: pattern) {
                backend.problems.append(
                    "backends.\(name).rate_limit_pattern is not a valid regular expression (\(problem)). "
                        + "Fix it in .loop/config.yaml.")
            }
        }
        return backend
    }

    private static func commandProblems(name: String, command: [String]) -> [String] {
        guard let program = command.first, !program.trimmingCharacters(in: .whitespaces).isEmpty else {
            return [
                "backends.\(name).command is empty. Give the program and its arguments, "
                    + "e.g. [\"my-agent\", \"--prompt-file\", \"{prompt_file}\", \"--cwd\", \"{workdir}\"]."
            ]
        }
        return []
    }
}
