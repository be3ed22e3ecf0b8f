import Foundation
import LoopAgent
import LoopCore

/// Preflight for the built-in agent backends: the model server answers, the model exists, and
/// the worker has a shell sandbox (or `--unsafe-shell`).
enum AgentBackendCheck {
    static func problems(
        provider: AgentProvider, backend: Backend, role: Role, model: String?, unsafeShell: Bool
    ) async -> [String] {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(backend.environment) { _, configured in configured }
        var problems = await ModelServer.problems(provider: provider.rawValue, environment: environment, model: model)
        if role == .worker, !unsafeShell {
            // Said once: what is wrong, then how to fix it.
            if case .unusable(let problem) = await BubblewrapProbe.detect() {
                problems.append(
                    "The built-in worker runs shell commands in bubblewrap, but \(problem). "
                        + "Install bubblewrap (apt-get install bubblewrap), or pass --unsafe-shell to run them unsandboxed behind a blocklist.")
            }
        }
        return problems
    }
}
