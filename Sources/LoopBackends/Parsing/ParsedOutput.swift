import Foundation
import LoopCore

/// What a parser has learned from an agent's output so far.
///
/// Token counts follow the OpenAI/codex convention whatever the CLI: `inputTokens` counts
/// every prompt token, cached ones included, and `cachedInputTokens` is the part read from
/// the cache. CLIs that report cache reads separately (claude, opencode) are added up.
struct ParsedOutput: Sendable, Equatable {
    var finalMessage: String?
    var sessionID: String?
    var usage: TokenUsage?
    /// The error the output reported last and nothing has cleared since.
    var errorMessage: String?
    var rateLimit: RateLimit?
    var isPermanentError = false
    /// The CLI itself reported the error (an error event, a failed result), as opposed to a
    /// diagnostic line that merely matched a pattern.
    var hasReportedError = false

    /// Adds one step's or turn's usage to the total.
    mutating func add(_ more: TokenUsage) {
        usage = (usage ?? TokenUsage()) + more
    }

    /// Records an error the CLI itself reported (an error event, a failed result): it becomes
    /// the error message and is classified as a limit or a permanent error.
    ///
    /// - Parameters:
    ///   - extraLimitPatterns: the CLI's own limit wording.
    ///   - isLimit: the CLI said so in a structured field (an HTTP 429 status).
    ///   - isPermanent: the CLI said so in a structured field (an auth error's type name).
    mutating func recordError(
        _ message: String, extraLimitPatterns: [TextPattern] = [], isLimit: Bool = false, isPermanent: Bool = false
    ) {
        let line = RateLimitClassifier.oneLine(message)
        guard !line.isEmpty else { return }
        errorMessage = line
        hasReportedError = true
        if let limit = RateLimitClassifier.classify(line, extraPatterns: extraLimitPatterns) {
            rateLimit = limit
        } else if isLimit {
            rateLimit = RateLimit(message: line, resetAt: ResetTimeParser.resetDate(in: line))
        }
        if isPermanent || PermanentErrorClassifier.isPermanent(line) { isPermanentError = true }
    }

    /// Looks at a diagnostic line (stderr, or text where JSON was expected): it only counts
    /// when it reports a limit or a permanent error, and then also becomes the error message
    /// unless a structured error was already recorded.
    mutating func inspectDiagnostic(_ line: String, extraLimitPatterns: [TextPattern] = []) {
        guard extraLimitPatterns.isEmpty ? Self.mayBeDiagnostic(line) : true else { return }
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return }
        if let limit = RateLimitClassifier.classify(trimmed, extraPatterns: extraLimitPatterns) {
            rateLimit = limit
            if errorMessage == nil { errorMessage = limit.message }
        }
        if PermanentErrorClassifier.isPermanent(trimmed) {
            isPermanentError = true
            if errorMessage == nil { errorMessage = RateLimitClassifier.oneLine(trimmed) }
        }
    }

    /// Words at least one limit or permanent-error pattern needs: a line with none of them
    /// cannot match, and skipping the regular expressions for it keeps a chatty agent's
    /// output cheap to read.
    private static let diagnosticWords = [
        "rate", "429", "too many", "quota", "exhausted", "retry", "limit", "api", "key", "auth", "401", "log", "sign",
        "token", "model", "argument", "option", "flag", "unrecogni",
    ]

    static func mayBeDiagnostic(_ line: String) -> Bool {
        let lowered = line.prefix(RateLimitClassifier.maxExamined).lowercased()
        return diagnosticWords.contains { lowered.contains($0) }
    }

    /// Forgets earlier errors after the CLI reported a successful turn: a retried request
    /// that then went through is not a failure.
    mutating func clearErrors() {
        errorMessage = nil
        rateLimit = nil
        isPermanentError = false
        hasReportedError = false
    }
}

/// Reads one agent CLI's output format, line by line.
///
/// Parsers are values fed every line of stdout and stderr as it arrives. They must accept
/// anything — garbage, half lines, megabyte lines, formats from other versions — and ignore
/// what they do not understand; they never throw.
protocol OutputParser: Sendable {
    mutating func consume(_ line: String, from stream: LoopCore.OutputStream)
    /// Called once when the process has ended, to flush anything buffered.
    mutating func finish()
    var output: ParsedOutput { get }
}

extension OutputParser {
    mutating func finish() {}
}
