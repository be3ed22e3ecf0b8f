package import Foundation
package import LoopCore

/// Decides whether a line of agent output says a usage or rate limit was hit.
///
/// A limit is not a failure: the engine waits until the reset and tries again, so a false
/// positive costs a pointless wait and a false negative burns retries. The phrases are
/// therefore specific ("rate limit exceeded", "429 Too Many Requests"), never a bare
/// "limit". Parsers add their own CLI's wording through `extraPatterns` and only hand
/// over error text and diagnostics, never the agent's prose or tool output.
package enum RateLimitClassifier {
    /// Phrases every provider and CLI uses for a limit (matched case-insensitively).
    static let genericPatterns: [TextPattern] = [
        #"\brate[\s_-]?limit(?:ed|s)?\b[^.\n]{0,40}?\b(?:reached|exceeded|hit|error|exhausted)\b"#,
        #"\brate[\s_-]?limited\b"#,
        #"\brate_limit_(?:error|exceeded)\b"#,
        #"\bRateLimitError\b"#,
        #"\btoo many requests\b"#,
        #"\b(?:status|code|http|error|api error)[\s:=\"']*429\b"#,
        #"\b429\b[\s:,-]*(?:too many|rate|resource[_ ]exhausted|quota)"#,
        #"\busage[\s_-]limit(?:[\s_-]reached|[\s_-]exceeded|\s+has been reached)\b"#,
        #"\bquota(?:\s+has been)?\s+exceeded\b"#,
        #"\bexceeded your (?:current )?quota\b"#,
        #"\bRESOURCE_EXHAUSTED\b"#,
        #"\bretry[- _]after\s*[:=]\s*\d+"#,
    ].map { TextPattern(builtin: $0) }

    /// Longest stretch of a line that is examined; limit messages are short, agent lines may not be.
    static let maxExamined = 4_096

    /// A `RateLimit` when `text` reports a limit, with the reset time when the text gives one.
    ///
    /// Public so other dispatchers (the built-in agent's HTTP clients) classify the same way.
    /// - Parameters:
    ///   - text: one error message or diagnostic line.
    ///   - now: the reference for relative reset times ("try again in 20s").
    package static func classify(_ text: String, now: Date = Date()) -> RateLimit? {
        classify(text, extraPatterns: [], now: now)
    }

    /// Same, also matching a CLI's own limit wording (`extraPatterns`) besides the generic phrases.
    static func classify(_ text: String, extraPatterns: [TextPattern], now: Date = Date()) -> RateLimit? {
        let examined = String(text.prefix(maxExamined))
        guard (extraPatterns + genericPatterns).contains(where: { $0.matches(examined) }) else { return nil }
        return RateLimit(message: oneLine(examined), resetAt: ResetTimeParser.resetDate(in: examined, now: now))
    }

    /// `text` on one line, trimmed and cut to a readable length.
    static func oneLine(_ text: String, limit: Int = 500) -> String {
        let flat = text.prefix(limit * 4).split(whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        .filter { !$0.isEmpty }.joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }
}
