import Foundation
import LoopCore

/// Reads `opencode run --format json` output: one event per line,
/// `{type: step_start|text|tool_use|step_finish|error, timestamp, sessionID, part{...}}`.
///
/// The final text is the last `text` part; usage is the sum over `step_finish` parts
/// (`tokens{input, output, reasoning, cache{read, write}}`, `cost`), reasoning counted as
/// output. Errors arrive as `{type: "error", error: {name, data: {message, statusCode}}}`.
struct OpenCodeParser: OutputParser {
    private(set) var output = ParsedOutput()

    mutating func consume(_ line: String, from stream: LoopCore.OutputStream) {
        guard stream == .stdout, let event = JSONLine.object(line) else {
            output.inspectDiagnostic(line)
            return
        }
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
