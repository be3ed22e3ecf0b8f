import Foundation
import LoopCore

/// One concrete way to start a backend for one dispatch: argv, stdin and environment.
struct Invocation: Sendable, Equatable {
    /// argv; the first word is the program as configured (resolved on PATH before spawning).
    var arguments: [String]
    /// argv for the log, with any argument that carries the prompt text shown as
    /// `<prompt: N bytes>`.
    var displayArguments: [String]
    /// The prompt file when the prompt goes on stdin; nil means `/dev/null`.
    var stdinFile: String?
    /// Variables added to the inherited environment.
    var environment: [String: String]

    /// Inherited variables removed: set inside a claude session, they make a nested claude
    /// refuse to start.
    static let removedEnvironment = ["CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT"]

    /// Keeps tools from waiting on a pager, an editor or a password prompt nobody will answer.
    static let nonInteractiveEnvironment = [
        "PAGER": "cat", "GIT_PAGER": "cat", "GIT_EDITOR": "true", "GIT_TERMINAL_PROMPT": "0",
    ]

    /// Longest single argument we pass. Linux refuses any one argument over 128 KiB
    /// (MAX_ARG_STRLEN) with a confusing E2BIG; we refuse earlier with a clear message.
    static let maxArgumentBytes = 100 * 1024
}

extension Backend {
    var isAgent: Bool {
        if case .agent = kind { return true }
        return false
    }

    /// The invocation for `request`.
    ///
    /// The environment is the non-interactive defaults, then `backends.<name>.env`, then the
    /// dispatch's `LOOP_*` variables (which always win: the agent must see the right run id).
    /// - Throws: `LoopError.config` when the entry has configuration problems or an argument
    ///   (in practice `{prompt}`) is too long for the kernel.
    func invocation(for request: DispatchRequest) throws -> Invocation {
        guard problems.isEmpty else { throw LoopError.preflight(problems) }
        let model = request.model.flatMap { $0.isEmpty ? nil : $0 } ?? model
        let (arguments, display) = commandLine(model: model, request: request)
        if let long = arguments.first(where: { $0.utf8.count > Invocation.maxArgumentBytes }) {
            throw LoopError.config(
                "backends.\(name): one argument would be \(long.utf8.count / 1024) KiB, over the 100 KiB we pass "
                    + "(Linux caps one argument at 128 KiB). The prompt is too long for {prompt}: use "
                    + "{prompt_file} (or prompt_via: stdin) in backends.\(name).command in .loop/config.yaml.")
        }
        var environment = Invocation.nonInteractiveEnvironment
        environment.merge(self.environment) { _, configured in configured }
        environment.merge(request.environment) { _, dispatch in dispatch }
        return Invocation(
            arguments: arguments, displayArguments: display,
            stdinFile: promptDelivery == .stdin && !isAgent ? request.promptFile : nil, environment: environment)
    }

    /// argv and its form for the log, from the kind's own command line.
    private func commandLine(model: String?, request: DispatchRequest) -> (arguments: [String], display: [String]) {
        switch kind {
        case .builtin(let builtin):
            let arguments = [program] + builtin.arguments(model: model, extraArgs: extraArgs, request: request)
            return (arguments, arguments)
        case .agent(let provider):
            let arguments = [program] + provider.arguments(model: model, extraArgs: extraArgs)
            return (arguments, arguments)
        case .command(let template):
            return commandArguments(template: template, model: model, request: request)
        }
    }
}
