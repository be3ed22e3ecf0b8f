import Foundation
import LoopCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Streams HTTP response bodies from a model server.
///
/// On Linux, plain `http` goes over a socket of our own (`SocketHTTPExchange`): while
/// waiting for an answer, FoundationNetworking's URLSession keeps a core busy (see there).
/// `https`, a proxy from the environment, a redirect, and every request on other platforms
/// go through URLSession.
///
/// One URLSession per request: its delegate belongs to that request, and the session is
/// invalidated when the stream ends, which also releases the delegate (a session keeps its
/// delegate alive until it is invalidated). Ending the stream early cancels the request:
/// the consumer's task is cancelled, or it stops iterating (`break`, a throw out of its
/// loop) — dropping an `AsyncThrowingStream` iterator cancels the stream, which runs
/// `onTermination`.
struct HTTPStreamTransport: Sendable {
    init() {}

    /// Sends `request` and yields the 2xx response body as it arrives.
    ///
    /// The stream throws `HTTPTransportError` (non-2xx status with the whole body, no
    /// connection, connection lost, timeout) or `CancellationError`.
    func stream(_ request: HTTPRequest) -> AsyncThrowingStream<Data, any Error> {
        #if canImport(Glibc)
            if request.url.scheme?.lowercased() == "http",
                !Self.isProxied(host: request.url.host() ?? "", environment: ProcessInfo.processInfo.environment)
            {
                let (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self, throwing: (any Error).self)
                if let exchange = SocketHTTPExchange.start(request, continuation: continuation) {
                    continuation.onTermination = { _ in exchange.cancel() }
                    return stream
                }
            }
        #endif
        return Self.urlSessionStream(request)
    }

    /// `stream(_:)` through URLSession.
    static func urlSessionStream(_ request: HTTPRequest) -> AsyncThrowingStream<Data, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Data.self, throwing: (any Error).self)
        let delegate = HTTPStreamDelegate(
            continuation: continuation, firstByteTimeout: request.firstByteTimeout, idleTimeout: request.idleTimeout)
        let session = URLSession(
            configuration: Self.configuration(for: request), delegate: delegate, delegateQueue: nil)
        let task = session.dataTask(with: Self.urlRequest(for: request))
        let watchdog = Task { await delegate.watch(task) }
        continuation.onTermination = { _ in
            watchdog.cancel()
            task.cancel()
            session.invalidateAndCancel()
        }
        task.resume()
        return stream
    }

    /// Sends `request` and returns the whole 2xx body.
    ///
    /// - Throws: what `stream(_:)` throws; `CancellationError` when the calling task is cancelled.
    func data(_ request: HTTPRequest) async throws -> Data {
        var body = Data()
        for try await chunk in stream(request) { body.append(chunk) }
        try Task.checkCancellation()
        return body
    }

    /// Whether libcurl would send a request to `host` through a proxy named in `environment`
    /// (`http_proxy`, `all_proxy`, minus `no_proxy`); such requests stay with URLSession.
    /// Errs towards yes: `HTTP_PROXY` counts too, though curl ignores it for `http`.
    static func isProxied(host: String, environment: [String: String]) -> Bool {
        let proxies = ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"].compactMap { environment[$0] }
        guard proxies.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { return false }
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let exceptions = (environment["no_proxy"] ?? environment["NO_PROXY"] ?? "").split(separator: ",")
        for exception in exceptions {
            var name = exception.trimmingCharacters(in: .whitespaces).lowercased()
            if name == "*" { return false }
            if name.hasPrefix(".") { name.removeFirst() }
            if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
            if !name.isEmpty, host == name || host.hasSuffix("." + name) { return false }
        }
        return true
    }

    // MARK: - Building

    private static func configuration(for request: HTTPRequest) -> URLSessionConfiguration {
        let configuration = URLSessionConfiguration.ephemeral
        // Our watchdog enforces the limits; URLSession's own timers only act as a backstop.
        let longest = max(request.firstByteTimeout, request.idleTimeout).seconds
        configuration.timeoutIntervalForRequest = longest + 60
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        return configuration
    }

    private static func urlRequest(for request: HTTPRequest) -> URLRequest {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.httpBody = request.body
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        if request.body != nil, request.headers.keys.contains(where: { $0.lowercased() == "content-type" }) == false {
            urlRequest.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        return urlRequest
    }
}
