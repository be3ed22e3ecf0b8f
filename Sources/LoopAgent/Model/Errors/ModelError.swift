import Foundation
import LoopCore

/// Why a call to a model server failed, as one line that says what to do.
///
/// Messages name the server URL (without credentials) and quote the server's own message
/// where it sent one; an API key never appears in them. `RetryingChatModel` retries
/// `rateLimited`, `serverFailed`, `connectionLost` and `rejected` with 408, nothing else.
package enum ModelError: LocalizedError, Sendable, Equatable {
    /// Nothing accepts connections at the endpoint (refused, unknown host).
    case serverUnreachable(endpoint: String)
    /// The server does not have the model; `available` is what it listed (maybe empty).
    case unknownModel(name: String, available: [String], endpoint: String)
    /// The prompt does not fit the context window the server runs the model with.
    case contextOverflow(message: String, endpoint: String)
    /// HTTP 429; `retryAfter` is the server's `Retry-After`, when it sent one.
    case rateLimited(retryAfter: Duration?, message: String, endpoint: String)
    /// Any other 4xx: the request itself is wrong (bad key, bad option, unsupported feature).
    case rejected(status: Int, message: String, endpoint: String)
    /// HTTP 5xx.
    case serverFailed(status: Int, message: String, endpoint: String)
    /// No answer within the limit; `beforeFirstByte` is false when the answer stalled midway.
    case timedOut(after: Duration, beforeFirstByte: Bool, endpoint: String)
    /// The connection broke before the answer was complete.
    case connectionLost(endpoint: String)
    /// The server answered 200 but not in the shape asked for (`excerpt` shows what came).
    case badResponse(expected: String, excerpt: String, endpoint: String)
    /// The server reported an error inside a streamed answer.
    case streamError(message: String, endpoint: String)
    /// The HTTP layer failed in some other way (TLS, bad URL, ...).
    case transportFailed(description: String, endpoint: String)
    /// `RetryingChatModel` gave up; `last` is the final attempt's error.
    indirect case retriesExhausted(attempts: Int, last: ModelError)

    package var errorDescription: String? {
        switch self {
        case .serverUnreachable(let endpoint):
            "No model server answers at \(endpoint). Start one (`ollama serve`, or `scripts/local-model start` in the loop source checkout) "
                + "or set OLLAMA_HOST / OPENAI_BASE_URL."
        case .unknownModel(let name, let available, let endpoint):
            "The model server at \(endpoint) has no model \"\(name)\" "
                + (available.isEmpty ? "(it lists none). " : "(it has: \(available.joined(separator: ", "))). ")
                + "Pull it (`ollama pull \(name)`) or pick one the server has."
        case .contextOverflow(let message, let endpoint):
            "The prompt does not fit the model's context window at \(endpoint) (server: \(message)). "
                + "Raise the context length (Ollama num_ctx, llama-server --ctx-size) or shorten the task."
        case .rateLimited(let retryAfter, let message, let endpoint):
            "The model server at \(endpoint) is rate limiting (HTTP 429: \(message)). "
                + (retryAfter.map { "It asks to wait \(Self.format($0)); run again then." }
                    ?? "Wait a little and run again.")
        case .rejected(let status, let message, let endpoint):
            "The model server at \(endpoint) rejected the request (HTTP \(status): \(message)). "
                + Self.advice(forStatus: status)
        case .serverFailed(let status, let message, let endpoint):
            "The model server at \(endpoint) failed (HTTP \(status): \(message)). "
                + "Check the server's log (out of memory?) and run again."
        case .timedOut(let after, let beforeFirstByte, let endpoint):
            beforeFirstByte
                ? "The model server at \(endpoint) did not start answering within \(Self.format(after)). "
                    + "The model may still be loading or the prompt is long; raise the timeout (backend args --load-timeout / --request-timeout) or check the server."
                : "The model server at \(endpoint) went silent for \(Self.format(after)) in the middle of an answer. "
                    + "Check the server, or raise --request-timeout in the backend's args."
        case .connectionLost(let endpoint):
            "The connection to the model server at \(endpoint) broke before the answer was complete. "
                + "Check that the server is still running (it may have crashed or run out of memory)."
        case .badResponse(let expected, let excerpt, let endpoint):
            "The model server at \(endpoint) sent something that is not \(expected): \"\(excerpt)\". "
                + "Check that the URL points at the right kind of server."
        case .streamError(let message, let endpoint):
            "The model server at \(endpoint) reported an error mid-answer: \(message). "
                + "Check the server's log, then run again."
        case .transportFailed(let description, let endpoint):
            "The request to the model server at \(endpoint) failed: \(description). Check the URL and the server."
        case .retriesExhausted(let attempts, let last):
            "Gave up after \(attempts) attempts. " + (last.errorDescription ?? "")
        }
    }

    /// Whether another attempt may succeed: rate limits, 5xx, 408 and broken connections.
    package var isRetryable: Bool {
        switch self {
        case .rateLimited, .serverFailed, .connectionLost: true
        case .rejected(let status, _, _): status == 408
        default: false
        }
    }

    private static func advice(forStatus status: Int) -> String {
        switch status {
        case 401, 403: "Check OPENAI_API_KEY (or the server's key setting)."
        case 404: "Check the URL (OpenAI-compatible servers usually need /v1 at the end, Ollama none)."
        case 408: "The server timed out reading the request; run again."
        default: "Check the model name and request options (tools and JSON schemas are not supported everywhere)."
        }
    }

    private static func format(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds < 10 ? String(format: "%.1f s", seconds) : "\(Int(seconds.rounded())) s"
    }
}
