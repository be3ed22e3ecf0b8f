import Foundation

/// Masks obvious credentials in text meant for logs.
///
/// OpenAI/Anthropic-style `sk-...` keys, `Bearer` tokens and `*key=`/`*token=`/`*secret=`/
/// `*password=` values: the shapes that end up in argv or error text and then in bug reports.
enum SecretRedactor {
    private static let rules: [(TextPattern, String)] = [
        (TextPattern(builtin: #"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{8,}"#, caseInsensitive: false), "sk-***"),
        (TextPattern(builtin: #"\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}"#), "$1 ***"),
        (
            TextPattern(
                builtin: #"\b([A-Za-z0-9_]*(?:api[_-]?key|token|secret|password))([=:]\s*)[^\s'"]{4,}"#),
            "$1$2***"
        ),
    ]

    /// A word every rule's match contains (compared in lower case). Most texts hold none, and
    /// then the rules are never compiled: building ICU's regular expressions cost each round
    /// subprocess a millisecond or more for a dispatch header without a credential.
    private static let cues = ["sk-", "bearer", "key", "token", "secret", "password"]

    static func redact(_ text: String) -> String {
        let lowered = text.lowercased()
        guard cues.contains(where: { lowered.contains($0) }) else { return text }
        return rules.reduce(text) { text, rule in rule.0.replacingMatches(in: text, with: rule.1) }
    }
}
