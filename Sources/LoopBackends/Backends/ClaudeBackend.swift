import Foundation
import LoopCore

// MARK: - Command line

extension BuiltinBackend {
    /// Anthropic's Claude Code: `claude -p` with stream-json output, the prompt on stdin.
    static let claude = BuiltinBackend(
        name: "claude", installCommand: "npm install -g @anthropic-ai/claude-code", promptDelivery: .stdin,
        parser: .claude, bypassFlag: "--dangerously-skip-permissions"
    ) { command in
        ["-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions"]
            + command.modelFlag("--model") + command.extraArgs
    }
}

// MARK: - Output

extension ParserKind {
    static let claude = ParserKind("claude") { ClaudeParser() }
}

/// Reads `claude -p --output-format stream-json --verbose` output (NDJSON), and the single
/// result object of `--output-format json`.
///
/// `system/init` gives the session, `assistant` messages the running text, and the final
/// `result` the answer, session, cost and usage; `is_error` or a non-success subtype marks a
/// failed run.
struct ClaudeParser: JSONEventParser {
    var output = ParsedOutput()
    private var lastAssistantText: String?

    /// Claude's plan-limit wording. The old form carries the reset as a unix epoch
    /// ("Claude AI usage limit reached|1760000000"); newer ones a wall clock time
    /// ("You've hit your limit · resets 3pm (Europe/Berlin)", "5-hour limit reached ∙ resets 3pm").
    static let limitPatterns: [TextPattern] = [
        #"\bClaude AI usage limit reached\b"#,
        #"\byou'?ve hit your (?:usage |session |weekly )?limit\b"#,
        #"\b(?:5-hour|weekly|opus|session) limit reached\b"#,
    ].map { TextPattern(builtin: $0) }

    mutating func handle(_ event: JSONValue) {
        switch event["type"]?.stringValue {
        case "system":
            if event["subtype"]?.stringValue == "init", let id = event["session_id"]?.nonEmptyString {
                output.sessionID = id
            }
        case "assistant":
            if let id = event["session_id"]?.nonEmptyString, output.sessionID == nil { output.sessionID = id }
            let texts = (event[path: "message", "content"]?.arrayValue ?? []).compactMap { block -> String? in
                block["type"]?.stringValue == "text" ? block["text"]?.stringValue : nil
            }
            if !texts.isEmpty {
                let text = texts.joined(separator: "\n")
                lastAssistantText = text
                noteLimitWording(text)
            }
        case "result":
            readResult(event)
        default:
            break
        }
    }

    private mutating func readResult(_ event: JSONValue) {
        if let id = event["session_id"]?.nonEmptyString { output.sessionID = id }
        let text = event["result"]?.stringValue
        output.finalMessage = text ?? lastAssistantText
        if let usage = event["usage"], usage.objectValue != nil {
            let cacheRead = usage["cache_read_input_tokens"].count
            let cacheWrite = usage["cache_creation_input_tokens"].count
            output.usage = TokenUsage(
                inputTokens: usage["input_tokens"].count + cacheRead + cacheWrite,
                outputTokens: usage["output_tokens"].count, cachedInputTokens: cacheRead,
                costUSD: (event["total_cost_usd"] ?? event["cost_usd"])?.doubleValue)
        } else if let cost = (event["total_cost_usd"] ?? event["cost_usd"])?.doubleValue {
            output.usage = TokenUsage(costUSD: cost)
        }
        let subtype = event["subtype"]?.stringValue ?? "success"
        if event["is_error"]?.boolValue == true || subtype != "success" {
            let reason = text.flatMap { $0.isEmpty ? nil : $0 } ?? "claude ended with \(subtype)"
            output.recordError(reason, extraLimitPatterns: Self.limitPatterns)
        } else {
            output.clearErrors()
            // Some releases report a plan limit as an ordinary, successful result.
            if let text { noteLimitWording(text) }
        }
    }

    /// Claude's limit notice counts even as a message: the CLI injects it as a short message
    /// of its own, so only short texts are checked (a model's long answer may discuss limits).
    private mutating func noteLimitWording(_ text: String) {
        guard text.count <= 300, Self.limitPatterns.contains(where: { $0.matches(text) }) else { return }
        output.recordError(text, extraLimitPatterns: Self.limitPatterns)
    }
}
