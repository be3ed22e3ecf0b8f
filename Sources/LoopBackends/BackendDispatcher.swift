import Foundation
package import LoopCore

/// Runs agents through external CLIs: the built-in codex, claude, opencode, gemini, aider and
/// mini backends, and any `command` backend defined in `.loop/config.yaml`.
///
/// It is a value built once from config; every dispatch starts a fresh process, so nothing
/// is shared between rounds except what is on disk.
package struct BackendDispatcher: AgentDispatcher {
    let registry: BackendRegistry
    /// `--agent-sandbox`: every external CLI runs inside bubblewrap.
    var sandboxesAgents = false

    /// - Parameter configured: the `backends:` map of `.loop/config.yaml`. An entry with
    ///   `command` defines (or replaces) a command backend; an entry without one tunes the
    ///   built-in of that name (`program`, `args`, `model`, `env`).
    package init(configured: [String: BackendConfig]) {
        registry = BackendRegistry(configured: configured)
    }

    /// Every backend name this dispatcher can run, sorted (built-ins and configured ones).
    package var knownBackends: [String] { registry.names }

    /// Problems that would stop `backend` from running as `role`, one line each naming the
    /// fix: an unknown name, a program not installed, a broken config entry, or a backend that
    /// writes no report asked to review.
    package func preflight(backend name: String, role: Role, options: RunOptions) async -> [String] {
        var problems = preflight(backend: name, role: role)
        if let backend = registry.backend(named: name), case .agent(let provider) = backend.kind, problems.isEmpty {
            problems += await AgentBackendCheck.problems(
                provider: provider, backend: backend, role: role, model: options.model(for: role) ?? backend.model,
                unsafeShell: options.unsafeShell)
        }
        return problems
    }

    /// The checks that need no network: name, program, config, reviewer ability.
    package func preflight(backend name: String, role: Role) -> [String] {
        guard let backend = registry.backend(named: name) else {
            return [
                "Unknown backend '\(name)'. Known backends: \(knownBackends.joined(separator: ", ")). "
                    + "Pick one of them, or define '\(name)' under backends: in .loop/config.yaml with a command."
            ]
        }
        var problems = backend.problems
        if role == .reviewer, !backend.writesReport {
            problems.append(
                "\(backend.name) cannot review: it writes no report file (writes_report: false), and a review "
                    + "cannot be made from git. Choose another reviewer backend, e.g. claude or codex.")
        }
        if !backend.program.isEmpty, !backend.program.contains("{"),
            ExecutableLocator.locate(backend.program, searchPath: Self.searchPath(for: backend)) == nil
        {
            problems.append(Self.missingProgramMessage(backend))
        }
        return problems
    }

    /// Whether the backend writes its own report file; false for aider and mini (the PM
    /// makes their work report from git). Unknown names answer true, the safe default.
    package func writesReport(backend name: String) -> Bool {
        registry.backend(named: name)?.writesReport ?? true
    }

    /// Runs one dispatch: spawns the backend in its own process group with the prompt
    /// delivered as configured, streams its output to `request.logPath`, keeps the heartbeat
    /// fresh, enforces the timeouts and parses the output. Never retries.
    /// - Throws: `LoopError` when the process cannot be started (unknown backend, program not
    ///   found, configuration problem, `{prompt}` too long for one argument).
    package func dispatch(_ request: DispatchRequest) async throws -> DispatchResult {
        guard let backend = registry.backend(named: request.backend) else {
            throw LoopError.preflight(preflight(backend: request.backend, role: request.role))
        }
        if case .agent = backend.kind, (request.model ?? backend.model ?? "").isEmpty {
            throw LoopError.config(
                "The \(backend.name) backend needs a model: pass --\(request.role.rawValue)-model NAME or set backends.\(backend.name).model in .loop/config.yaml.")
        }
        let sandboxed = (sandboxesAgents || backend.isSandboxed) && !backend.isAgent
        return try await AgentRun(backend: backend, request: request, isSandboxed: sandboxed).run()
    }

    package func configured(for options: RunOptions) -> any AgentDispatcher {
        var copy = self
        copy.sandboxesAgents = options.agentSandbox
        return copy
    }

    package func isolationNotes(options: RunOptions) -> [String] {
        var roles: [String: [Role]] = [:]
        for role in Role.allCases { roles[options.backend(for: role), default: []].append(role) }
        return roles.keys.sorted().compactMap { name -> String? in
            guard let backend = registry.backend(named: name), case .builtin(let builtin) = backend.kind,
                let flag = builtin.bypassFlag, !(options.agentSandbox || backend.isSandboxed)
            else { return nil }
            let who = (roles[name] ?? []).map(\.rawValue).joined(separator: " and ")
            return "\(name) (\(who)) runs with its permission checks disabled (\(flag)) and outside any sandbox: "
                + "it can read and change anything your user can. Pass --agent-sandbox to run it in bubblewrap."
        }
    }

    // MARK: - Messages

    static func missingProgramMessage(_ backend: Backend) -> String {
        let program = backend.program
        if case .agent = backend.kind, program == AgentExecutable.path() {
            return AgentExecutable.missingMessage(at: program)
        }
        if program.contains("/") {
            return "\(program) (\(backend.programSetting)) does not exist or is not executable. "
                + "Fix the path in .loop/config.yaml, or make the file executable (chmod +x)."
        }
        if case .builtin(let builtin) = backend.kind, program == builtin.defaultProgram {
            return "\(program) is not on PATH. \(backend.installHint)"
        }
        return "\(program) (\(backend.programSetting)) is not on PATH. \(backend.installHint)"
    }

    static func searchPath(for backend: Backend) -> String? {
        backend.environment["PATH"] ?? Platform.environmentValue("PATH")
    }
}
