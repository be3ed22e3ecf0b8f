import Foundation

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

    /// This `loop` executable: the built-in agent runs as `loop agent`, in its own process
    /// group like every other agent. `LOOP_EXECUTABLE` overrides it (tests run from a test bundle).
    static var loopExecutable: String {
        if let override = ProcessInfo.processInfo.environment["LOOP_EXECUTABLE"], !override.isEmpty { return override }
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        return CommandLine.arguments.first ?? "loop"
    }
}
