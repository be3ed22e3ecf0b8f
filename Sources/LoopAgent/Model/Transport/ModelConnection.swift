import Foundation
import Logging
import LoopCore
import Synchronization

/// What both clients share: the server's URL, headers, timeouts and error translation.
///
/// It also remembers which models have answered a chat, so only the first chat with a model
/// gets the longer `firstRequest` wait for loading.
final class ModelConnection: Sendable {
    let baseURL: URL
    let translator: ErrorTranslator
    let logger: Logger
    private let headers: [String: String]
    private let timeouts: ModelTimeouts
    private let transport: HTTPStreamTransport
    private let warmModels = Mutex<Set<String>>([])

    private static let metadataTimeout = Duration.seconds(30)

    /// - Parameter apiKey: sent as `Authorization: Bearer`, and removed from every error message.
    init(baseURL: URL, apiKey: String?, timeouts: ModelTimeouts, logger: Logger) {
        self.baseURL = baseURL
        self.timeouts = timeouts
        self.logger = logger
        self.transport = HTTPStreamTransport()
        var headers = ["Accept": "application/json, application/x-ndjson, text/event-stream"]
        if let apiKey, !apiKey.isEmpty { headers["Authorization"] = "Bearer \(apiKey)" }
        self.headers = headers
        self.translator = ErrorTranslator(endpoint: ServerMessage.display(baseURL), secret: apiKey)
    }

    var endpoint: String { translator.endpoint }

    /// `baseURL` with `path` appended (`api/chat`, `chat/completions`).
    func url(_ path: String) -> URL { baseURL.appending(path: path) }

    /// Streams the body of a chat request to `url`; the first chat with `model` waits longer.
    func streamChat(to url: URL, body: Data, model: String) -> AsyncThrowingStream<Data, any Error> {
        transport.stream(chatRequest(to: url, body: body, model: model))
    }

    /// The whole body of a chat request sent with `stream: false`.
    func chatData(to url: URL, body: Data, model: String) async throws -> Data {
        try await transport.data(chatRequest(to: url, body: body, model: model))
    }

    /// Records that `model` has answered, so later chats use the normal wait.
    func markWarm(_ model: String) {
        warmModels.withLock { _ = $0.insert(model) }
    }

    /// Sends a small JSON request (model list, model details) and decodes the JSON answer.
    ///
    /// These answer in milliseconds on a healthy server, so they wait at most 30 s (or
    /// `timeouts.request` if shorter): a health check must not hang for minutes.
    ///
    /// - Throws: `ModelError` (already translated), or `CancellationError`.
    func json(_ method: String, _ url: URL, body: JSONValue? = nil, model: String? = nil) async throws -> JSONValue {
        let limit = min(timeouts.request, Self.metadataTimeout)
        let request = HTTPRequest(
            method: method, url: url, headers: headers, body: try body.map { try JSONEncoder.line.encode($0) },
            firstByteTimeout: limit, idleTimeout: limit)
        let data: Data
        do {
            data = try await transport.data(request)
        } catch {
            throw translator.translate(error, model: model)
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw translator.badResponse(expected: "JSON", got: String(decoding: data, as: UTF8.self))
        }
        return value
    }

    private func chatRequest(to url: URL, body: Data, model: String) -> HTTPRequest {
        let isWarm = warmModels.withLock { $0.contains(model) }
        logger.debug(
            "model request",
            metadata: [
                "model.url": "\(ServerMessage.display(url))", "model.name": "\(model)",
                "model.warm": "\(isWarm)",
            ])
        return HTTPRequest(
            method: "POST", url: url, headers: headers, body: body,
            firstByteTimeout: isWarm ? timeouts.request : timeouts.firstRequest, idleTimeout: timeouts.request)
    }
}
