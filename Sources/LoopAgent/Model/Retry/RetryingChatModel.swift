import Foundation
package import Logging
import LoopCore

/// What `RetryingChatModel` tells its caller before it tries again.
package struct RetryNotice: Sendable, Equatable {
    /// The attempt that failed (1-based).
    package var failedAttempt: Int
    /// How long it waits before the next attempt.
    package var delay: Duration
    package var error: ModelError

    package init(failedAttempt: Int, delay: Duration, error: ModelError) {
        self.failedAttempt = failedAttempt
        self.delay = delay
        self.error = error
    }
}

/// A `ChatModel` that retries another one on failures that may pass: HTTP 429 (honouring
/// `Retry-After`), 408, 5xx, and connections lost mid-answer.
///
/// Nothing else is retried: a refused connection means no server runs, and a 4xx means the
/// request itself is wrong, so repeating it only delays the clear error.
///
/// Streaming and retries: text from a failed attempt has already reached `onToken` when the
/// attempt fails. Before each new attempt `onRetry` is called; whatever `onToken` delivered
/// before it belongs to the failed attempt and should be discarded (a live display clears
/// its line). The returned `ChatResponse` holds only the successful attempt's content,
/// tool calls and usage; its `wallTime` covers all attempts and waits, its
/// `timeToFirstToken` is the successful attempt's.
package struct RetryingChatModel: ChatModel {
    package let base: any ChatModel
    package let policy: RetryPolicy
    private let onRetry: @Sendable (RetryNotice) -> Void
    private let logger: Logger

    package init(
        _ base: any ChatModel, policy: RetryPolicy = RetryPolicy(),
        logger: Logger = Logger(label: "loop.agent.retry"),
        onRetry: @escaping @Sendable (RetryNotice) -> Void = { _ in }
    ) {
        self.base = base
        self.policy = policy
        self.logger = logger
        self.onRetry = onRetry
    }

    package var provider: String { base.provider }
    package var endpoint: String { base.endpoint }

    /// `base.chat`, retried per `policy`.
    ///
    /// - Throws: the first error that should not be retried, or
    ///   `ModelError.retriesExhausted` with the last error once `policy.maxAttempts` ran out.
    package func chat(_ request: ChatRequest, onToken: @escaping @Sendable (String) -> Void) async throws
        -> ChatResponse
    {
        let start = ContinuousClock.now
        var response = try await retrying { try await base.chat(request, onToken: onToken) }
        response.wallTime = max(response.wallTime, (ContinuousClock.now - start).seconds)
        return response
    }

    package func listModels() async throws -> [String] {
        try await retrying { try await base.listModels() }
    }

    package func modelInfo(_ name: String) async throws -> ModelInfo {
        try await retrying { try await base.modelInfo(name) }
    }

    private func retrying<T>(_ operation: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch let error as ModelError {
                guard let delay = policy.delay(after: error, attempt: attempt) else {
                    throw attempt > 1 && error.isRetryable
                        ? ModelError.retriesExhausted(attempts: attempt, last: error) : error
                }
                logger.warning(
                    "model call failed, retrying",
                    metadata: [
                        "model.attempt": "\(attempt)", "model.delay": "\(delay)",
                        "model.error": "\(error.errorDescription ?? "")",
                    ])
                onRetry(RetryNotice(failedAttempt: attempt, delay: delay, error: error))
                try await Task.sleep(for: delay)
                attempt += 1
            }
        }
    }
}
