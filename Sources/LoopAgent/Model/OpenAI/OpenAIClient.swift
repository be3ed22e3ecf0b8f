package import Foundation
package import Logging
import LoopCore

/// A `ChatModel` for OpenAI-compatible servers: llama.cpp's server, vLLM, LM Studio, and
/// OpenAI-style gateways.
///
/// Streams `POST {base}/chat/completions` as server-sent events. The API key (if any) goes
/// only into the `Authorization` header; it is never logged and is removed from error
/// messages even when a server echoes it. Wrap it in `RetryingChatModel` for retries.
package struct OpenAIClient: ChatModel {
    /// Where llama.cpp's server listens by default.
    package static let defaultBaseURL = "http://127.0.0.1:8080/v1"

    private let connection: ModelConnection
    private let encoder = OpenAIRequestEncoder()

    /// - Parameters:
    ///   - baseURL: the API root including `/v1`, e.g. `http://127.0.0.1:8080/v1`.
    ///   - apiKey: sent as `Authorization: Bearer <key>`; nil or empty sends none.
    ///   - timeouts: waits for the first byte and between chunks.
    package init(
        baseURL: URL = OpenAIClient.resolveBaseURL(nil), apiKey: String? = nil,
        timeouts: ModelTimeouts = ModelTimeouts(), logger: Logger = Logger(label: "loop.agent.openai")
    ) {
        connection = ModelConnection(baseURL: baseURL, apiKey: apiKey, timeouts: timeouts, logger: logger)
    }

    /// A client for `OPENAI_BASE_URL` and `OPENAI_API_KEY` in `environment`.
    package init(environment: [String: String], timeouts: ModelTimeouts = ModelTimeouts()) {
        self.init(
            baseURL: Self.resolveBaseURL(environment["OPENAI_BASE_URL"]), apiKey: environment["OPENAI_API_KEY"],
            timeouts: timeouts)
    }

    /// The API root an `OPENAI_BASE_URL` value names; nil, empty or unparsable gives
    /// `http://127.0.0.1:8080/v1`. A value without a scheme gets `http://`; a trailing slash is dropped.
    package static func resolveBaseURL(_ value: String?) -> URL {
        let fallback = URL(string: defaultBaseURL) ?? URL(fileURLWithPath: "/")
        var text = (value ?? "").trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return fallback }
        if !text.contains("://") { text = "http://" + text }
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), url.host != nil else { return fallback }
        return url
    }

    package var provider: String { "openai" }
    package var endpoint: String { connection.endpoint }

    /// Sends `request` to `{base}/chat/completions`; with `request.stream`, `onToken` gets each
    /// text fragment as it arrives.
    ///
    /// - Throws: `ModelError` (an unknown model lists the models the server has), or
    ///   `CancellationError` when the calling task is cancelled (the request is cancelled too).
    package func chat(_ request: ChatRequest, onToken: @escaping @Sendable (String) -> Void) async throws
        -> ChatResponse
    {
        let body = try encoder.body(for: request)
        let url = connection.url("chat/completions")
        var clock = ChatClock()
        var decoder = OpenAIStreamDecoder(translator: connection.translator)
        do {
            if request.stream {
                let chunks = connection.streamChat(to: url, body: body, model: request.model)
                try await read(chunks, into: &decoder, clock: &clock, onToken: onToken)
            } else {
                try decoder.consume(body: try await connection.chatData(to: url, body: body, model: request.model))
            }
            let response = try decoder.response(clock: clock, requestedModel: request.model)
            connection.markWarm(request.model)
            return response
        } catch {
            throw await explain(error, model: request.model)
        }
    }

    /// Feeds an SSE body to `decoder`, passing text to `onToken` as it comes.
    ///
    /// A server that ignores `stream: true` and sends one JSON object has no `data:` lines;
    /// its body is kept (up to 1 MiB) and read as a whole answer instead.
    private func read(
        _ chunks: AsyncThrowingStream<Data, any Error>, into decoder: inout OpenAIStreamDecoder,
        clock: inout ChatClock, onToken: @Sendable (String) -> Void
    ) async throws {
        var parser = SSEParser()
        var unframed = Data()
        var hasEvents = false
        streaming: for try await chunk in chunks {
            let events = parser.feed(chunk)
            hasEvents = hasEvents || !events.isEmpty
            if !hasEvents, unframed.count < 1 << 20 { unframed.append(chunk) }
            for event in events {
                let delta = try decoder.consume(event)
                if delta.isGenerated { clock.markToken() }
                if !delta.text.isEmpty { onToken(delta.text) }
                if decoder.isDone { break streaming }
            }
        }
        try Task.checkCancellation()
        if !decoder.isDone, let last = parser.finish() {
            hasEvents = true
            _ = try decoder.consume(last)
        }
        if !hasEvents, !unframed.isEmpty { try decoder.consume(body: unframed) }
    }

    /// The model ids the server offers (`GET {base}/models`); also the health check.
    package func listModels() async throws -> [String] {
        let value = try await connection.json("GET", connection.url("models"))
        guard let models = value["data"]?.arrayValue else {
            throw connection.translator.badResponse(expected: "an OpenAI model list", got: "\(value)")
        }
        return models.compactMap { $0["id"]?.stringValue }
    }

    /// What the server tells about `name`.
    ///
    /// The OpenAI API has no such call; llama.cpp's server answers `GET /props` (next to `/v1`)
    /// with `default_generation_settings.n_ctx`, the context it actually runs with. Elsewhere
    /// the context length is nil. `supportsTools` is always nil: the API cannot tell.
    ///
    /// - Throws: `ModelError` when the server cannot be reached or fails (5xx).
    package func modelInfo(_ name: String) async throws -> ModelInfo {
        var root = connection.baseURL
        if root.lastPathComponent == "v1" { root = root.deletingLastPathComponent() }
        let props: JSONValue?
        do {
            props = try await connection.json("GET", root.appending(path: "props"))
        } catch ModelError.rejected, ModelError.badResponse {
            props = nil  // not llama.cpp: no /props, or not JSON there
        }
        let settings = props?["default_generation_settings"]
        let contextLength = settings?["n_ctx"]?.intValue ?? settings?["params"]?["n_ctx"]?.intValue
        return ModelInfo(name: name, contextLength: contextLength, supportsTools: nil)
    }

    /// `error` as a `ModelError`, with the server's model list for an unknown model.
    private func explain(_ error: any Error, model: String) async -> any Error {
        let translated = connection.translator.translate(error, model: model)
        guard case ModelError.unknownModel(let name, _, let endpoint) = translated else { return translated }
        let available = (try? await listModels()) ?? []
        return ModelError.unknownModel(name: name, available: available, endpoint: endpoint)
    }
}
