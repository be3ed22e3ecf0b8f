import Foundation

/// Decides whether an error cannot be fixed by retrying: the user has to log in, fix a key,
/// a model name or a flag first.
///
/// Deliberately narrow. loop-kit treated any "not found" as permanent, so a tool's
/// "file not found" switched retries off (its defect D15); here each phrase names what is
/// wrong (a key, a login, a model, an option), and the dispatcher only asks when the run
/// actually failed.
enum PermanentErrorClassifier {
    private static let patterns: [TextPattern] = [
        // Authentication and login.
        #"\binvalid[\s_-](?:x-)?api[\s_-]?key\b"#,
        #"\bincorrect api key\b"#,
        #"\bapi[\s_-]?key (?:not valid|is invalid|is missing|not found|missing)\b"#,
        #"\b(?:missing|no) api[\s_-]?key\b"#,
        #"\bauthentication[_ ](?:error|failed|required)\b"#,
        #"\bAuthenticationError\b"#,
        #"\b401\b[\s:,-]*unauthori[sz]ed\b"#,
        #"\bunauthori[sz]ed\b[\s:,-]*\b401\b"#,
        #"\bnot (?:logged|signed) in\b"#,
        #"\b(?:please|you must) (?:run /login|log ?in|sign ?in|authenticate)\b"#,
        #"\blogin required\b"#,
        #"\b(?:codex|claude|gemini|opencode) (?:auth )?login\b"#,
        #"\b(?:oauth|access) token (?:has )?(?:expired|been revoked)\b"#,
        // Unknown model.
        #"\bmodel[_ ]not[_ ]found\b"#,
        #"\bModelNotFoundError\b"#,
        #"\bmodel\s+["'`][^"'`\n]{1,120}["'`]\s+(?:was\s+)?not found\b"#,
        #"\bmodel\s+["'`]?[^\s"'`]{1,120}["'`]?\s+does not exist\b"#,
        #"\b(?:unknown|invalid|unsupported) model\b"#,
        // Unknown or invalid command-line flags.
        #"\bunexpected argument\b"#,
        #"\bunknown option\b"#,
        #"\bunrecognized option\b"#,
        #"\bunrecognized arguments?:"#,
        #"\bunknown (?:flag|arguments?|command-line option)\b"#,
        #"\bflag provided but not defined\b"#,
        #"\bno such option\b"#,
        #"\binvalid option -- "#,
    ].map { TextPattern(builtin: $0) }

    /// True when `text` names an error that retrying cannot fix.
    static func isPermanent(_ text: String) -> Bool {
        let examined = String(text.prefix(RateLimitClassifier.maxExamined))
        return patterns.contains { $0.matches(examined) }
    }
}
