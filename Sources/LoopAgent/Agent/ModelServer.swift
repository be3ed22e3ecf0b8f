import Foundation
import LoopCore

/// Builds the model client for a provider from the environment an agent runs in.
package enum ModelServer {
    /// `ollama` (native API, `OLLAMA_HOST`) or `openai` (`OPENAI_BASE_URL`, `OPENAI_API_KEY`),
    /// wrapped in retries for 429, 5xx and dropped streams.
    package static func client(
        provider: String, environment: [String: String], timeouts: ModelTimeouts = ModelTimeouts(),
        retry: RetryPolicy = RetryPolicy(), onRetry: @escaping @Sendable (RetryNotice) -> Void = { _ in }
    ) throws -> any ChatModel {
        let base: any ChatModel
        switch provider {
        case "ollama": base = OllamaClient(environment: environment, timeouts: timeouts)
        case "openai": base = OpenAIClient(environment: environment, timeouts: timeouts)
        default:
            throw AgentFailure("unknown model provider '\(provider)'; use ollama or openai", isPermanent: true)
        }
        return RetryingChatModel(base, policy: retry, onRetry: onRetry)
    }

    /// Problems reaching `model` on the server, one line each naming the fix; empty when it
    /// is there. Used by the PM's preflight and `loop health`.
    package static func problems(provider: String, environment: [String: String], model: String?) async -> [String] {
        guard let client = try? client(provider: provider, environment: environment, retry: RetryPolicy(maxAttempts: 1))
        else { return ["Unknown model provider '\(provider)'."] }
        let models: [String]
        do {
            models = try await client.listModels()
        } catch {
            return [(error as? any LocalizedError)?.errorDescription ?? "\(error)"]
        }
        guard let model, !model.isEmpty else {
            let list = models.isEmpty ? "none" : models.prefix(8).joined(separator: ", ")
            return ["The \(provider) backend needs a model: pass --worker-model/--reviewer-model NAME or set backends.\(provider).model (the server at \(client.endpoint) has: \(list))."]
        }
        if !models.isEmpty, !models.contains(model), !models.contains(model + ":latest") {
            return ["The model '\(model)' is not on the server at \(client.endpoint). It has: \(models.prefix(12).joined(separator: ", ")). Pull it (`ollama pull \(model)`) or pick one of these."]
        }
        return []
    }
}
