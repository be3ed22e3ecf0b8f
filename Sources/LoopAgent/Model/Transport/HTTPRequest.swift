import Foundation

/// One HTTP request to a model server, with the two waits that matter for a model.
///
/// A local model server is silent while it loads the model and reads the prompt, and then
/// streams steadily; so the wait for the first body byte and the allowed silence between
/// chunks are separate limits rather than one total deadline.
struct HTTPRequest: Sendable {
    var method: String
    var url: URL
    var headers: [String: String]
    var body: Data?
    /// Longest wait from sending the request to the first byte of a response body.
    var firstByteTimeout: Duration
    /// Longest silence between two chunks once the body has started.
    var idleTimeout: Duration

    init(
        method: String, url: URL, headers: [String: String] = [:], body: Data? = nil,
        firstByteTimeout: Duration = .seconds(300), idleTimeout: Duration = .seconds(300)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.firstByteTimeout = firstByteTimeout
        self.idleTimeout = idleTimeout
    }
}

/// Why an HTTP exchange failed, before any model-specific meaning is given to it.
enum HTTPTransportError: Error, Sendable {
    /// The server answered with a non-2xx status; `body` is the whole response body.
    case status(code: Int, headers: [String: String], body: Data)
    /// No connection could be made (refused, unknown host).
    case cannotConnect(underlying: any Error)
    /// The connection broke before the response was complete.
    case connectionLost(underlying: any Error)
    /// Nothing arrived within the limit; `beforeFirstByte` tells which limit.
    case timedOut(after: Duration, beforeFirstByte: Bool)
    /// Anything else the transport (URLSession or our socket client) reported.
    case failed(underlying: any Error)
}
