import Foundation
import LoopCore

// MARK: - Command line

extension BuiltinBackend {
    /// OpenAI's codex CLI: `codex exec --json`, the prompt on stdin (the trailing `-`).
    static let codex = BuiltinBackend(
        name: "codex", installCommand: "npm install -g @openai/codex", promptDelivery: .stdin, parser: .codex,
        bypassFlag: "--dangerously-bypass-approvals-and-sandbox"
    ) { command in
        [
            "exec", "--json", "--dangerously-bypass-approvals-and-sandbox", "--skip-git-repo-check",
            "-C", command.request.workdir,
        ] + command.modelFlag("-m") + command.extraArgs + ["-"]
    }
}

// MARK: - Output

extension ParserKind {
    static let codex = ParserKind("codex") { CodexParser() }
}

/// Reads `codex exec --json` output: one JSON event per line (codex-rs `exec_events.rs`).
///
/// `thread.started{thread_id}` gives the session, the last `item.completed` whose item is an
/// `agent_message` the final text, every `turn.completed{usage}` adds tokens, and
/// `turn.failed{error}` / `error{message}` report failures. Anything else (reasoning, command
/// items, unknown future events) is ignored.
struct CodexParser: JSONEventParser {
    var output = ParsedOutput()

    /// Codex's own wording for a plan limit ("You've hit your usage limit. ... try again in 2 hours").
    static let limitPatterns: [TextPattern] = [
        #"\byou'?ve hit your usage limit\b"#,
        #"\busage_limit_reached\b"#,
        #"\bexceeded retry limit, last status: 429\b"#,
    ].map { TextPattern(builtin: $0) }

    mutating func handle(_ event: JSONValue) {
        switch event["type"]?.stringValue {
        case "thread.started":
            if let id = event["thread_id"]?.nonEmptyString { output.sessionID = id }
        case "item.completed":
            guard event[path: "item", "type"]?.stringValue == "agent_message",
                let text = event[path: "item", "text"]?.stringValue
            else { return }
            output.finalMessage = text
        case "turn.completed":
            let usage = event["usage"]
            output.add(
                TokenUsage(
                    inputTokens: usage?["input_tokens"].count ?? 0,
                    outputTokens: usage?["output_tokens"].count ?? 0,
                    cachedInputTokens: usage?["cached_input_tokens"].count ?? 0))
            output.clearErrors()
        case "turn.failed":
            output.recordError(
                event["error"]?.errorText ?? "codex reported a failed turn", extraLimitPatterns: Self.limitPatterns)
        case "error":
            output.recordError(
                event["message"]?.nonEmptyString ?? event["error"]?.errorText ?? "codex reported an error",
                extraLimitPatterns: Self.limitPatterns)
        default:
            break
        }
    }
}
