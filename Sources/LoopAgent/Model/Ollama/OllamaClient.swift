package import Foundation
package import Logging
import LoopCore

/// A `ChatModel` speaking Ollama's native API (`/api/chat`, `/api/tags`, `/api/show`).
///
/// The native API rather than Ollama's `/v1` because only it reaches `options.num_ctx`,
/// `keep_alive` and `format` with a JSON schema, which small local models need to stay on
/// the rails. Wrap it in `RetryingChatModel` for retries.
package struct OllamaClient: ChatModel {
    /// Context window asked for when a request does not say (`options.num_ctx`).
    package static let defaultContextLength = 8192
    /// How long Ollama keeps the model loaded after a call, when a request does not say.
    package static let defaultKeepAlive = "30m"

    private let connection: ModelConnection
    private let encoder: OllamaRequestEncoder

    /// - Parameters:
    ///   - baseURL: the server, e.g. `OllamaClient.resolveHost(environment["OLLAMA_HOST"])`.
    ///   - timeouts: waits for the first byte and between chunks.
    ///   - contextLength: `num_ctx` for requests without a `contextLength`.
    ///   - keepAlive: `keep_alive` for requests without one.
    package init(
        baseURL: URL = OllamaClient.resolveHost(nil), timeouts: ModelTimeouts = ModelTimeouts(),
        contextLength: Int = OllamaClient.defaultContextLength, keepAlive: String = OllamaClient.defaultKeepAlive,
        logger: Logger = Logger(label: "loop.agent.ollama")
    ) {
        connection = ModelConnection(baseURL: baseURL, apiKey: nil, timeouts: timeouts, logger: logger)
        encoder = OllamaRequestEncoder(defaultContextLength: contextLength, defaultKeepAlive: keepAlive)
    }

    /// A client for the server `OLLAMA_HOST` in `environment` names (default `http://127.0.0.1:11434`).
    package init(environment: [String: String], timeouts: ModelTimeouts = ModelTimeouts()) {
        self.init(baseURL: Self.resolveHost(environment["OLLAMA_HOST"]), timeouts: timeouts)
    }

    package var provider: String { "ollama" }
    package var endpoint: String { connection.endpoint }

    /// Sends `request` to `/api/chat`; with `request.stream`, `onToken` gets each text fragment.
    ///
    /// - Throws: `ModelError` (an unknown model lists the models the server has), or
    ///   `CancellationError` when the calling task is cancelled (the request is cancelled too).
    package func chat(_ request: ChatRequest, onToken: @escaping @Sendable (String) -> Void) async throws
        -> ChatResponse
    {
        let body = try encoder.body(for: request)
        let url = connection.url("api/chat")
        var clock = ChatClock()
        var decoder = OllamaStreamDecoder(translator: connection.translator)
        var splitter = LineSplitter()
        do {
            if request.stream {
                for try await chunk in connection.streamChat(to: url, body: body, model: request.model) {
                    for line in splitter.feed(chunk) {
                        let delta = try decoder.consume(line)
                        if delta.isGenerated { clock.markToken() }
                        if !delta.text.isEmpty { onToken(delta.text) }
                    }
                }
                try Task.checkCancellation()
            } else {
                let data = try await connection.chatData(to: url, body: body, model: request.model)
                for line in splitter.feed(data) { _ = try decoder.consume(line) }
            }
            if let last = splitter.finish() { _ = try decoder.consume(last) }
            let response = try decoder.response(clock: clock, requestedModel: request.model)
            connection.markWarm(request.model)
            return response
        } catch {
            throw await explain(error, model: request.model)
        }
    }

    /// The names of the models the server has (`GET /api/tags`); also the health check.
    package func listModels() async throws -> [String] {
        let value = try await connection.json("GET", connection.url("api/tags"))
        guard let models = value["models"]?.arrayValue else {
            throw connection.translator.badResponse(expected: "Ollama's model list", got: "\(value)")
        }
        return models.compactMap { $0["name"]?.stringValue ?? $0["model"]?.stringValue }
    }

    /// Context length and tool support of `name` (`POST /api/show`).
    ///
    /// The context length is the model's trained maximum (`model_info["<arch>.context_length"]`),
    /// not what the server runs it with; `supportsTools` is nil on servers too old to list
    /// `capabilities`.
    package func modelInfo(_ name: String) async throws -> ModelInfo {
        let value: JSONValue
        do {
            value = try await connection.json(
                "POST", connection.url("api/show"), body: .object(["model": .string(name)]), model: name)
        } catch {
            throw await explain(error, model: name)
        }
        let contextLength = value["model_info"]?.objectValue?
            .first { $0.key.hasSuffix(".context_length") }?.value.intValue
        let capabilities = value["capabilities"]?.arrayValue?.compactMap(\.stringValue)
        return ModelInfo(
            name: name, contextLength: contextLength, supportsTools: capabilities.map { $0.contains("tools") })
    }

    /// `error` as a `ModelError`, with the server's model list for an unknown model.
    private func explain(_ error: any Error, model: String) async -> any Error {
        let translated = connection.translator.translate(error, model: model)
        guard case ModelError.unknownModel(let name, _, let endpoint) = translated else { return translated }
        let available = (try? await listModels()) ?? []
        return ModelError.unknownModel(name: name, available: available, endpoint: endpoint)
    }
}
