import Foundation
import LoopCore

// MARK: - Providers

/// The model-server APIs the built-in agent speaks; each is a backend name.
enum AgentProvider: String, CaseIterable, Sendable, Equatable {
    /// Ollama's native API (`/api/chat`), host from `OLLAMA_HOST`.
    case ollama
    /// Any OpenAI-compatible server (`/v1/chat/completions`): llama.cpp, vLLM, LM Studio.
    case openai

    /// How to get a server, for messages.
    var serverHint: String {
        switch self {
        case .ollama: "`ollama serve`, then `ollama pull <model>`; or set OLLAMA_HOST"
        case .openai: "e.g. `eval \"$(scripts/local-model start)\"` in the loop source checkout, or set OPENAI_BASE_URL"
        }
    }
}

// MARK: - Command line

extension Backend {
    /// The built-in agent for a model server provider: `loop-agent` from beside this `loop`
    /// (`AgentExecutable`), which reads the prompt file and the rest from `LOOP_*` itself and
    /// runs in its own process group like every other agent.
    init(agent provider: AgentProvider) {
        self.init(
            name: provider.rawValue, kind: .agent(provider), program: AgentExecutable.path(),
            promptDelivery: .file, parser: .loopAgent, writesReport: true,
            installHint: "It comes with loop as \(AgentExecutable.name); start a model server (\(provider.serverHint)).")
    }
}

extension AgentProvider {
    /// The arguments after the program name.
    func arguments(model: String?, extraArgs: [String]) -> [String] {
        ["--provider", rawValue] + (model.map { ["--model", $0] } ?? []) + extraArgs
    }
}

// MARK: - Preflight

/// Preflight for the built-in agent backends: the model server answers, the model exists, and
/// the worker has a shell sandbox (or `--unsafe-shell`).
enum AgentBackendCheck {
    static func problems(
        provider: AgentProvider, backend: Backend, role: Role, model: String?, unsafeShell: Bool
    ) async -> [String] {
        // Asked of loop-agent, which has the HTTP clients, with the backend's env added.
        var problems = await ModelServerProbe.problems(
            provider: provider.rawValue, model: model, environment: backend.environment)
        if role == .worker, !unsafeShell {
            // Said once: what is wrong, then how to fix it.
            if case .unusable(let problem) = await BubblewrapProbe.detect() {
                problems.append(
                    "The built-in worker runs shell commands in bubblewrap, but \(problem). "
                        + "Install bubblewrap (apt-get install bubblewrap), or pass --unsafe-shell to run them "
                        + "unsandboxed behind a blocklist.")
            }
        }
        return problems
    }
}

// MARK: - Output

extension ParserKind {
    static let loopAgent = ParserKind("loop-agent") { LoopAgentParser() }
}

/// Reads the built-in agent's output (`loop-agent`, the `ollama` and `openai` backends).
///
/// Progress goes to stdout; when the agent fails it prints exactly one `loop-agent: <why>`
/// line on stderr. That line becomes the dispatch's error, so the round's failure reason says
/// what the model server did instead of quoting the last progress lines.
struct LoopAgentParser: OutputParser {
    static let errorPrefix = "loop-agent: "

    private(set) var output = ParsedOutput()
    private var text = TextParser()

    mutating func consume(_ line: String, from stream: LoopCore.OutputStream) {
        text.consume(line, from: stream)
        output = text.output
        if stream == .stderr, line.hasPrefix(Self.errorPrefix) {
            agentError = String(line.dropFirst(Self.errorPrefix.count))
        }
        if let agentError { output.errorMessage = RateLimitClassifier.oneLine(agentError) }
    }

    mutating func finish() {
        text.finish()
        output = text.output
        if let agentError { output.errorMessage = RateLimitClassifier.oneLine(agentError) }
    }

    private var agentError: String?
}
