import Foundation
import LoopCore

/// One runnable entry of the registry: a built-in CLI, possibly tuned by config.yaml, or a
/// user `command` backend.
struct Backend: Sendable {
    enum Kind: Sendable, Equatable {
        case builtin(BuiltinBackend)
        /// argv template with `{placeholders}`; the first word is the program.
        case command([String])
        /// The built-in agent (`loop agent`) against a model server.
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
        case .agent: "the loop executable (LOOP_EXECUTABLE)"
        }
    }

    /// A built-in with its defaults.
    init(builtin: BuiltinBackend) {
        name = builtin.rawValue
        kind = .builtin(builtin)
        program = builtin.defaultProgram
        promptDelivery = builtin.promptDelivery
        parser = builtin.parser
        writesReport = builtin.writesReport
        installHint =
            "Install it: \(builtin.installCommand) (or set backends.\(builtin.rawValue).program in .loop/config.yaml)"
    }

    /// The built-in agent for a model server provider.
    init(agent provider: AgentProvider) {
        name = provider.rawValue
        kind = .agent(provider)
        program = AgentProvider.loopExecutable
        promptDelivery = .file
        parser = .loopAgent
        writesReport = true
        installHint = "It is part of loop; start a model server (\(provider.serverHint))."
    }

    /// A `command` backend from its template.
    init(name: String, command: [String]) {
        self.name = name
        kind = .command(command)
        program = command.first ?? ""
        promptDelivery = .inferred(from: command)
        parser = .text
        writesReport = true
        installHint = "Install it, or fix backends.\(name).command in .loop/config.yaml."
    }
}
