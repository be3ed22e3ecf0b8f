import Foundation
import LoopCore

// MARK: - Command line

extension BuiltinBackend {
    /// opencode: `opencode run --format json`, the prompt on stdin and a short instruction as
    /// the message. It asks no permissions, so there is nothing to bypass.
    static let opencode = BuiltinBackend(
        name: "opencode", installCommand: "npm install -g opencode-ai", promptDelivery: .stdin, parser: .opencode,
        bypassFlag: nil
    ) { command in
        ["run", "--format", "json"] + command.modelFlag("-m") + command.extraArgs + [BuiltinBackend.stdinInstruction]
    }
}

// MARK: - Output

extension ParserKind {
    static let opencode = ParserKind("opencode") { OpenCodeParser() }
}

/// Reads `opencode run --format json` output: one event per line,
/// `{type: step_start|text|tool_use|step_finish|error, timestamp, sessionID, part{...}}`.
///
/// The final text is the last `text` part; usage is the sum over `step_finish` parts
/// (`tokens{input, output, reasoning, cache{read, write}}`, `cost`), reasoning counted as
/// output. Errors arrive as `{type: "error", error: {name, data: {message, statusCode}}}`.
struct OpenCodeParser: JSONEventParser {
    var output = ParsedOutput()

    mutating func handle(_ event: JSONValue) {
        if let id = (event["sessionID"] ?? event[path: "part", "sessionID"])?.nonEmptyString {
            output.sessionID = id
        }
        switch event["type"]?.stringValue {
        case "text":
            if let text = event[path: "part", "text"]?.stringValue, !text.isEmpty { output.finalMessage = text }
        case "step_finish":
            guard let part = event["part"] else { return }
            let tokens = part["tokens"]
            let cacheRead = tokens?[path: "cache", "read"].count ?? 0
            let cacheWrite = tokens?[path: "cache", "write"].count ?? 0
            output.add(
                TokenUsage(
                    inputTokens: (tokens?["input"].count ?? 0) + cacheRead + cacheWrite,
                    outputTokens: (tokens?["output"].count ?? 0) + (tokens?["reasoning"].count ?? 0),
                    cachedInputTokens: cacheRead, costUSD: part["cost"]?.doubleValue))
            output.clearErrors()
        case "error":
            readError(event["error"] ?? event[path: "part", "error"])
        default:
            break
        }
    }

    private mutating func readError(_ error: JSONValue?) {
        let name = error?["name"]?.stringValue
        let message =
            error?[path: "data", "message"]?.nonEmptyString ?? error?.errorText ?? "opencode reported an error"
        let status = error?[path: "data", "statusCode"]?.intValue
        let text = name.map { "\($0): \(message)" } ?? message
        output.recordError(
            text, isLimit: status == 429,
            isPermanent: name == "ProviderAuthError" || name == "ProviderModelNotFoundError" || status == 401)
    }
}
