import Foundation
import LoopCore

/// One runnable entry of the registry: a built-in CLI or the built-in agent, possibly tuned
/// by config.yaml, or a user `command` backend.
///
/// The kinds' own facts live in their files under `Backends/`: each built-in CLI's
/// `BuiltinBackend` value, the built-in agent's `init(agent:)`, a command backend's
/// `init(name:command:)` and template.
struct Backend: Sendable {
    enum Kind: Sendable, Equatable {
        case builtin(BuiltinBackend)
        /// argv template with `{placeholders}`; the first word is the program.
        case command([String])
        /// The built-in agent (`loop-agent`) against a model server.
        case agent(AgentProvider)

        /// Built-ins and the built-in agent can be tuned by a config entry without `command`.
        var isTunable: Bool {
            if case .command = self { return false }
            return true
        }
    }

    var name: String
    var kind: Kind
    /// The program as configured: a name looked up on PATH, or a path.
    var program: String
    /// `backends.<name>.args`, added to the command line.
    var extraArgs: [String] = []
    /// The default model (`backends.<name>.model`); a role's model overrides it.
    var model: String?
    /// `backends.<name>.env`.
    var environment: [String: String] = [:]
    var promptDelivery: PromptDelivery
    var parser: ParserKind
    var writesReport: Bool
    /// `backends.<name>.rate_limit_pattern`, when set.
    var rateLimitPattern: String?
    /// What to tell a user whose machine lacks the program.
    var installHint: String
    /// Configuration mistakes found while building the entry, one line each naming the fix.
    var problems: [String] = []
    /// `backends.<name>.sandbox: true`: always run inside bubblewrap.
    var isSandboxed = false

    /// Where the program setting lives in config.yaml, for messages.
    var programSetting: String {
        switch kind {
        case .builtin: "backends.\(name).program"
        case .command: "the first word of backends.\(name).command"
        case .agent: "backends.\(name).program"
        }
    }
}

extension Backend {
    /// A built-in CLI with its defaults.
    init(builtin: BuiltinBackend) {
        self.init(
            name: builtin.name, kind: .builtin(builtin), program: builtin.defaultProgram,
            promptDelivery: builtin.promptDelivery, parser: builtin.parser, writesReport: builtin.writesReport,
            installHint:
                "Install it: \(builtin.installCommand) (or set backends.\(builtin.name).program in .loop/config.yaml)")
    }
}
