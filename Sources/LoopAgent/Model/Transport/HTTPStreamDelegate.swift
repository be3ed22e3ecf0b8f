import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Turns URLSession's delegate callbacks for one data task into an `AsyncThrowingStream`.
///
/// `URLSession.bytes(for:)` does not exist in Linux FoundationNetworking, and `data(for:)`
/// only returns at the end, so streaming goes through the delegate. A 2xx body is yielded
/// chunk by chunk; any other body is collected whole and thrown as
/// `HTTPTransportError.status`, so callers can read the server's error message.
///
/// `@unchecked Sendable`: URLSession calls the delegate on its own queue and the watchdog
/// reads it from a task, while `NSObject` subclasses cannot be checked by the compiler. All
/// mutable state is inside the `Mutex`, so the class is safe to share.
final class HTTPStreamDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct State {
        var status: Int?
        var headers: [String: String] = [:]
        var errorBody = Data()
        var lastByte: ContinuousClock.Instant?
        var isFinished = false
    }

    /// Error bodies longer than this are cut; a message never needs more.
    private static let errorBodyLimit = 64 * 1024

    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private let started: ContinuousClock.Instant
    private let firstByteTimeout: Duration
    private let idleTimeout: Duration
    private let state = Mutex(State())

    init(
        continuation: AsyncThrowingStream<Data, any Error>.Continuation, firstByteTimeout: Duration,
        idleTimeout: Duration
    ) {
        self.continuation = continuation
        self.started = .now
        self.firstByteTimeout = firstByteTimeout
        self.idleTimeout = idleTimeout
    }

    // MARK: - URLSessionDataDelegate

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http?.allHeaderFields ?? [:] {
            if let key = key as? String { headers[key.lowercased()] = "\(value)" }
        }
        state.withLock { state in
            state.status = http?.statusCode ?? 200
            state.headers = headers
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let isSuccess = state.withLock { state -> Bool in
            state.lastByte = .now
            let status = state.status ?? 200
            if (200..<300).contains(status) { return true }
            let room = Self.errorBodyLimit - state.errorBody.count
            if room > 0 { state.errorBody.append(data.prefix(room)) }
            return false
        }
        if isSuccess { continuation.yield(data) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let (status, headers, body, hasBody) = state.withLock { state in
            (state.status, state.headers, state.errorBody, state.lastByte != nil)
        }
        if let error {
            finish(throwing: Self.classify(error, hasBody: hasBody))
        } else if let status, !(200..<300).contains(status) {
            finish(throwing: HTTPTransportError.status(code: status, headers: headers, body: body))
        } else {
            finish(throwing: nil)
        }
    }

    // MARK: - Ending

    /// Ends the stream once; later calls (a cancel after a timeout, say) change nothing.
    func finish(throwing error: (any Error)?) {
        let isFirst = state.withLock { state -> Bool in
            defer { state.isFinished = true }
            return !state.isFinished
        }
        guard isFirst else { return }
        continuation.finish(throwing: error)
    }

    /// Cancels `task` when the server stays silent past the current limit.
    ///
    /// Runs until the stream ends or the watching task is cancelled. Our own timer, rather
    /// than `timeoutIntervalForRequest`, so the first-byte and idle limits stay separate.
    func watch(_ task: URLSessionTask) async {
        while true {
            let limit: (deadline: ContinuousClock.Instant, beforeFirstByte: Bool)? = state.withLock { state in
                if state.isFinished { return nil }
                if let lastByte = state.lastByte { return (lastByte + idleTimeout, false) }
                return (started + firstByteTimeout, true)
            }
            guard let limit else { return }
            if ContinuousClock.now >= limit.deadline {
                let after = limit.beforeFirstByte ? firstByteTimeout : idleTimeout
                finish(throwing: HTTPTransportError.timedOut(after: after, beforeFirstByte: limit.beforeFirstByte))
                task.cancel()
                return
            }
            do {
                try await Task.sleep(until: limit.deadline, clock: .continuous)
            } catch {
                return
            }
        }
    }

    // MARK: - Errors

    /// Sorts URLSession's errors into the cases callers act on (retry, explain, give up).
    static func classify(_ error: any Error, hasBody: Bool) -> any Error {
        guard let urlError = error as? URLError else { return HTTPTransportError.failed(underlying: error) }
        switch urlError.code {
        case .cancelled:
            return CancellationError()
        case .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed:
            return HTTPTransportError.cannotConnect(underlying: urlError)
        case .networkConnectionLost, .badServerResponse, .zeroByteResource, .cannotParseResponse:
            return HTTPTransportError.connectionLost(underlying: urlError)
        case .unknown where isTruncation(urlError):
            // FoundationNetworking maps curl's "partial file" (closed before the announced end)
            // and non-reset receive failures to `.unknown`; only curl's text tells them apart.
            return HTTPTransportError.connectionLost(underlying: urlError)
        default:
            return HTTPTransportError.failed(underlying: urlError)
        }
    }

    private static func isTruncation(_ error: URLError) -> Bool {
        let text = error.localizedDescription.lowercased()
        return ["transfer closed", "recv failure", "send failure", "partial", "chunked"].contains {
            text.contains($0)
        }
    }
}
