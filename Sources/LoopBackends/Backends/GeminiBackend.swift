import Foundation
import LoopCore

// MARK: - Command line

extension BuiltinBackend {
    /// Google's gemini CLI: json output, the prompt on stdin.
    static let gemini = BuiltinBackend(
        name: "gemini", installCommand: "npm install -g @google/gemini-cli", promptDelivery: .stdin,
        parser: .gemini, bypassFlag: "--yolo"
    ) { command in
        // gemini appends the -p text to what it reads on stdin.
        ["--output-format", "json", "--yolo"] + command.modelFlag("-m") + command.extraArgs
            + ["-p", "Follow the instructions above. Only finish after writing the report file they ask for."]
    }
}

// MARK: - Output

extension ParserKind {
    static let gemini = ParserKind("gemini") { GeminiParser() }
}

/// Reads gemini CLI output in either headless format.
///
/// `--output-format json` prints one pretty-printed object over many lines,
/// `{session_id?, response, stats{models{<name>{tokens{prompt, candidates, cached, thoughts,
/// total}}}}, error?{type, message, code}}` (errors go to stderr in the same shape), so lines
/// are buffered until the object's closing brace at column 0. `--output-format stream-json`
/// prints one event per line: `init` (session id), `message` (assistant text, `delta` chunks
/// concatenated), `tool_use`/`tool_result`, `error`, `result` (status, stats).
struct GeminiParser: OutputParser {
    private(set) var output = ParsedOutput()
    private var buffers: [LoopCore.OutputStream: String] = [:]
    /// Assistant text since the last tool call (stream-json).
    private var turnText = ""
    private var isTurnClosed = false
    private static let bufferLimit = 8 * 1024 * 1024

    /// Gemini's quota wording besides the generic RESOURCE_EXHAUSTED / "Quota exceeded".
    static let limitPatterns: [TextPattern] = [
        #"\byou have exhausted your (?:daily )?(?:quota|capacity)\b"#,
        #"\bexhausted your capacity\b"#,
    ].map { TextPattern(builtin: $0) }

    mutating func consume(_ line: String, from stream: LoopCore.OutputStream) {
        if var buffer = buffers[stream] {
            // A new object at column 0 means the buffered one was never closed: drop it.
            if line.hasPrefix("{") {
                buffers[stream] = nil
                consume(line, from: stream)
                return
            }
            buffer += "\n" + line
            if line.hasPrefix("}"), let object = JSONLine.decode(buffer) {
                buffers[stream] = nil
                handle(object)
            } else if buffer.utf8.count > Self.bufferLimit {
                buffers[stream] = nil
            } else {
                buffers[stream] = buffer
            }
            return
        }
        if let object = JSONLine.object(line) {
            handle(object)
        } else if line.hasPrefix("{") {
            buffers[stream] = line
        } else {
            output.inspectDiagnostic(line, extraLimitPatterns: Self.limitPatterns)
        }
    }

    mutating func finish() {
        // An object cut short (killed mid-print) may still hold readable error text.
        for buffer in buffers.values { output.inspectDiagnostic(buffer, extraLimitPatterns: Self.limitPatterns) }
        buffers = [:]
    }

    // MARK: - Objects

    private mutating func handle(_ object: JSONValue) {
        if let id = (object["session_id"] ?? object["sessionId"])?.nonEmptyString { output.sessionID = id }
        guard let type = object["type"]?.stringValue else {
            readSingleResult(object)
            return
        }
        switch type {
        case "message":
            guard object["role"]?.stringValue == "assistant", let content = object["content"]?.stringValue else {
                return
            }
            if isTurnClosed {
                turnText = ""
                isTurnClosed = false
            }
            turnText = object["delta"]?.boolValue == true ? turnText + content : content
            if !turnText.isEmpty { output.finalMessage = turnText }
        case "tool_use", "tool_result":
            isTurnClosed = true
        case "error":
            if object["severity"]?.stringValue != "warning" {
                readError(object["error"] ?? object)
            }
        case "result":
            if let stats = object["stats"] { readStreamStats(stats) }
            if object["status"]?.stringValue == "error" || object["error"] != nil {
                readError(object["error"] ?? object)
            } else {
                output.clearErrors()
            }
        default:
            break
        }
    }

    private mutating func readSingleResult(_ object: JSONValue) {
        if let response = object["response"]?.stringValue { output.finalMessage = response }
        if let models = object[path: "stats", "models"]?.objectValue {
            for model in models.values {
                let tokens = model["tokens"]
                output.add(
                    TokenUsage(
                        inputTokens: tokens?["prompt"].count ?? 0,
                        outputTokens: (tokens?["candidates"].count ?? 0) + (tokens?["thoughts"].count ?? 0),
                        cachedInputTokens: tokens?["cached"].count ?? 0))
            }
        }
        if let error = object["error"], error != .null {
            readError(error)
        } else if object["response"] != nil {
            output.clearErrors()
        }
    }

    private mutating func readStreamStats(_ stats: JSONValue) {
        let input = stats["input_tokens"].count
        let outputTokens = stats["output_tokens"].count
        let cached = (stats["cached"] ?? stats["cached_tokens"]).count
        guard input + outputTokens + cached > 0 else { return }
        output.usage = TokenUsage(inputTokens: input, outputTokens: outputTokens, cachedInputTokens: cached)
    }

    private mutating func readError(_ error: JSONValue) {
        let message = error.errorText ?? error["type"]?.stringValue ?? "gemini reported an error"
        let code = (error["code"] ?? error["status"])?.intValue
        output.recordError(
            message, extraLimitPatterns: Self.limitPatterns, isLimit: code == 429, isPermanent: code == 401)
    }
}
