import Foundation

/// Turns transport failures into `ModelError`s for one server.
///
/// The rules that need the body's text (context overflow, unknown model) live here so both
/// clients read servers the same way.
struct ErrorTranslator: Sendable {
    /// The server URL as shown in messages.
    let endpoint: String
    /// The API key, removed from every message.
    let secret: String?

    /// `error` as a `ModelError`; `CancellationError` and `ModelError` pass through.
    ///
    /// - Parameter model: the model the request named, so a "not found" can say which.
    func translate(_ error: any Error, model: String?) -> any Error {
        if error is CancellationError || error is ModelError { return error }
        guard let failure = error as? HTTPTransportError else {
            return ModelError.transportFailed(description: clean("\(error)"), endpoint: endpoint)
        }
        switch failure {
        case .cannotConnect:
            return ModelError.serverUnreachable(endpoint: endpoint)
        case .connectionLost:
            return ModelError.connectionLost(endpoint: endpoint)
        case .timedOut(let after, let beforeFirstByte):
            return ModelError.timedOut(after: after, beforeFirstByte: beforeFirstByte, endpoint: endpoint)
        case .failed(let underlying):
            return ModelError.transportFailed(description: clean(underlying.localizedDescription), endpoint: endpoint)
        case .status(let code, let headers, let body):
            return status(code, headers: headers, body: body, model: model)
        }
    }

    /// The error for a non-2xx answer.
    func status(_ code: Int, headers: [String: String], body: Data, model: String?) -> ModelError {
        let message = clean(ServerMessage.extract(from: body))
        let text = String(decoding: body, as: UTF8.self).lowercased()
        if Self.isContextOverflow(text) { return .contextOverflow(message: message, endpoint: endpoint) }
        if let model, (400..<500).contains(code), code != 429, Self.isUnknownModel(text) {
            return .unknownModel(name: model, available: [], endpoint: endpoint)
        }
        switch code {
        case 429:
            let retryAfter = headers["retry-after"].flatMap { RetryAfter.parse($0) }
            return .rateLimited(retryAfter: retryAfter, message: message, endpoint: endpoint)
        case 500...:
            return .serverFailed(status: code, message: message, endpoint: endpoint)
        default:
            return .rejected(status: code, message: message, endpoint: endpoint)
        }
    }

    /// The error for an `error` object inside a 200 stream.
    func streamError(_ message: String) -> ModelError {
        let message = clean(message)
        if Self.isContextOverflow(message.lowercased()) {
            return .contextOverflow(message: message, endpoint: endpoint)
        }
        return .streamError(message: message, endpoint: endpoint)
    }

    /// A 200 body that is not what was asked for.
    func badResponse(expected: String, got text: String) -> ModelError {
        .badResponse(expected: expected, excerpt: clean(ServerMessage.excerpt(text, limit: 120)), endpoint: endpoint)
    }

    private func clean(_ text: String) -> String {
        ServerMessage.redact(text, secret: secret)
    }

    /// llama.cpp: "exceeds the available context size" / `n_ctx`; vLLM: "maximum context
    /// length"; OpenAI: `context_length_exceeded`; Ollama: "input length exceeds the context length".
    static func isContextOverflow(_ text: String) -> Bool {
        if text.contains("n_ctx") || text.contains("context_length_exceeded") || text.contains("exceed_context") {
            return true
        }
        guard text.contains("context") else { return false }
        return ["exceed", "too long", "maximum context", "context length", "context size", "context window"]
            .contains { text.contains($0) }
    }

    /// Ollama: `model "x" not found`; OpenAI: `model_not_found`; vLLM: "The model `x` does not exist".
    static func isUnknownModel(_ text: String) -> Bool {
        guard text.contains("model") else { return false }
        return ["not found", "does not exist", "model_not_found", "no such model", "unknown model"]
            .contains { text.contains($0) }
    }
}
