/// When and how often `RetryingChatModel` tries again.
///
/// Backoff doubles from `baseDelay` up to `maxDelay`. A server's `Retry-After` is honoured
/// as given, unless it asks for more than `maxRetryAfter`: then waiting is pointless for an
/// agent in a loop, and the call fails at once saying how long the server wants.
package struct RetryPolicy: Sendable, Equatable {
    /// Attempts in total, the first included (1 = no retries).
    package var maxAttempts: Int
    package var baseDelay: Duration
    package var maxDelay: Duration
    package var maxRetryAfter: Duration

    package init(
        maxAttempts: Int = 4, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(30),
        maxRetryAfter: Duration = .seconds(120)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = max(maxDelay, baseDelay)
        self.maxRetryAfter = maxRetryAfter
    }

    /// The wait before attempt `attempt + 1` after `error` ended attempt `attempt` (1-based),
    /// or nil when there should be no further attempt.
    package func delay(after error: ModelError, attempt: Int) -> Duration? {
        guard error.isRetryable, attempt < maxAttempts else { return nil }
        if case .rateLimited(let retryAfter?, _, _) = error {
            return retryAfter <= maxRetryAfter ? retryAfter : nil
        }
        var delay = baseDelay
        for _ in 1..<attempt where delay < maxDelay { delay *= 2 }
        return min(delay, maxDelay)
    }
}
