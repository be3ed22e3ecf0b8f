import Foundation
import LoopCore

/// One dispatch of one backend: log header, heartbeat, process, parsed result.
struct AgentRun: Sendable {
    var backend: Backend
    var request: DispatchRequest
    /// Run the CLI inside bubblewrap (`--agent-sandbox`, `backends.<name>.sandbox`).
    var isSandboxed = false

    /// Runs the agent to completion.
    /// - Throws: `LoopError` when it cannot be started (configuration problems, program not
    ///   found, an argument too long, or the runner failing to spawn).
    func run() async throws -> DispatchResult {
        var invocation = try backend.invocation(for: request)
        guard let program = invocation.arguments.first,
            let executable = ExecutableLocator.locate(program, searchPath: BackendDispatcher.searchPath(for: backend))
        else {
            throw LoopError.preflight([BackendDispatcher.missingProgramMessage(backend)])
        }
        invocation.arguments[0] = executable
        invocation.displayArguments[0] = executable
        if isSandboxed {
            guard case .usable(let bwrap) = await BubblewrapProbe.detect() else {
                throw LoopError.preflight([
                    "\(backend.name) should run in bubblewrap (--agent-sandbox or backends.\(backend.name).sandbox), but it is not usable here. \(BubblewrapProbe.installHint), or drop the sandbox setting."
                ])
            }
            let sandbox = AgentSandbox(bwrapPath: bwrap, backendName: backend.name, request: request)
            invocation.arguments = sandbox.wrap(invocation)
            invocation.displayArguments = ["bwrap", "(agent sandbox)", "--"] + invocation.displayArguments
        }
        DispatchLogHeader.write(backend: backend.name, invocation: invocation, request: request)

        let monitor = OutputMonitor(
            parser: backend.parser.makeParser(),
            customLimitPattern: backend.rateLimitPattern.flatMap { try? TextPattern($0) })
        let heartbeat = request.heartbeatPath.map { path in
            HeartbeatWriter(path: path, role: request.role, runID: request.runID, interval: request.heartbeatInterval)
        }
        let heartbeatTask = heartbeat.map { writer in
            Task { await writer.run(lastOutputAt: { monitor.lastOutputAt }) }
        }
        defer { heartbeatTask?.cancel() }

        let echo = Console(isVerbose: request.echoesOutput)
        let (role, round) = (request.role, request.round)
        let outcome = try await ProcessRunner.run(spec(for: invocation)) { stream, line in
            monitor.consume(line, from: stream)
            echo.agent(role, round: round, line)
        }
        heartbeatTask?.cancel()
        await heartbeatTask?.value  // no write may land after the dispatch has returned
        // A short dispatch can end between two beats: the last one then names its last output
        // (the periodic writer may have written only its first, output-less, beat).
        if let last = monitor.lastOutputAt { heartbeat?.write(lastOutputAt: last) }
        let parsed = monitor.finish(exitedCleanly: outcome.end == .exited && outcome.exitCode == 0)
        return DispatchResult(
            end: outcome.end, exitCode: outcome.exitCode, signal: outcome.signal, duration: outcome.duration,
            finalMessage: parsed.finalMessage, sessionID: parsed.sessionID, usage: parsed.usage,
            rateLimit: parsed.rateLimit, errorMessage: parsed.errorMessage, isPermanentError: parsed.isPermanentError,
            outputTail: outcome.outputTail, writesReport: backend.writesReport, processGroup: outcome.pid)
    }

    func spec(for invocation: Invocation) -> ProcessSpec {
        // What the engine passes for this dispatch comes last: it is about this run, not the backend.
        let environment = invocation.environment.merging(request.agentEnvironment) { _, engine in engine }
        var spec = ProcessSpec(
            arguments: invocation.arguments, workingDirectory: request.workdir, environment: environment,
            removedEnvironment: Invocation.removedEnvironment, stdinFile: invocation.stdinFile,
            timeout: request.timeout > 0 ? .seconds(request.timeout) : nil,
            idleTimeout: request.idleTimeout > 0 ? .seconds(request.idleTimeout) : nil,
            logPath: request.logPath.isEmpty ? nil : request.logPath)
        // The round engine ends the agent's leftovers after waiting for its report.
        spec.killLeftoversOnExit = false
        return spec
    }
}
