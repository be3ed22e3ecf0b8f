/// A dispatch attempt that produced no usable report, and what the dispatch loop does next:
/// give up (a permanent error, or the retries are used up) or retry after a backoff with a
/// note appended to the next attempt's prompt.
///
/// A pure value: `DispatchLoop` records the event, throws or sleeps.
struct FailedAttempt: Sendable, Equatable {
    var role: Role
    var attempt: Int
    /// Failed attempts in this dispatch loop so far, this one included.
    var failures: Int
    /// Why it failed, with the agent's own error when it reported one.
    var reason: String
    var result: DispatchResult

    init(role: Role, attempt: Int, failures: Int, reason: String, result: DispatchResult) {
        self.role = role
        self.attempt = attempt
        self.failures = failures
        let reported = result.errorMessage ?? ""
        self.reason = reported.isEmpty ? reason : "\(reason): \(reported)"
        self.result = result
    }

    /// True when retrying cannot help: the error is permanent or `retries` are used up.
    func isFinal(retries: Int) -> Bool { result.isPermanentError || failures > retries }

    /// The round failure when the loop gives up; `log` is the dispatch log as the user sees it.
    func giveUpMessage(log: String) -> String {
        // The agent's own error says why; its last lines only help when it said nothing.
        let tail =
            (result.errorMessage ?? "").isEmpty
            ? result.outputTail.split(separator: "\n").suffix(3).joined(separator: " | ") : ""
        return "\(role.rawValue) dispatch failed after \(failures) attempt\(failures == 1 ? "" : "s"): \(reason)"
            + (tail.isEmpty ? "" : " — last output: \(tail)") + " (log: \(log))"
    }

    /// Appended to the next attempt's prompt: a retry must not repeat a deterministic mistake blindly.
    var retryNote: String {
        let lastLines = result.outputTail.split(separator: "\n").suffix(5).joined(separator: "\n")
        return """


            === PREVIOUS ATTEMPT FAILED ===
            Attempt \(attempt) of this round ended without a usable report: \(reason)
            \(lastLines.isEmpty ? "" : "Its last output:\n\(lastLines)\n")Do not repeat what it did. Work on the task above and write the report as the contract says.
            """
    }

    /// Seconds before the next attempt: `base` doubled per failure, 1 to 60 s.
    func retryDelay(base: Int) -> Int { min(60, max(1, base) << min(failures - 1, 6)) }
}
