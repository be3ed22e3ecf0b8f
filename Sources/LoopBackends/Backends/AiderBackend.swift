import Foundation
import LoopCore

// MARK: - Command line

extension BuiltinBackend {
    /// aider: reads the prompt file (`--message-file`), commits nothing itself and writes no
    /// report (the PM makes its work report from git).
    static let aider = BuiltinBackend(
        name: "aider", installCommand: "python -m pip install aider-install && aider-install", promptDelivery: .file,
        parser: .aider, writesReport: false, bypassFlag: "--yes-always"
    ) { command in
        [
            "--message-file", command.request.promptFile, "--yes-always", "--no-auto-commits", "--no-stream",
            "--no-pretty", "--no-check-update", "--analytics-disable", "--no-show-model-warnings",
        ] + command.modelFlag("--model") + command.extraArgs
    }
}

// MARK: - Output

extension ParserKind {
    static let aider = ParserKind("aider") { AiderParser() }
}

/// Reads aider's plain-text output (`--no-pretty --no-stream`).
///
/// aider has no machine format: the final message is the last non-empty lines, usage comes
/// from its report line "Tokens: 1.2k sent, 345 received. Cost: $0.01 message, $0.02
/// session." (one per model call; tokens are summed, the session cost is already a total),
/// and model API failures are its litellm exception lines ("litellm.RateLimitError: ...").
struct AiderParser: OutputParser {
    private(set) var output = ParsedOutput()
    private var tail = TextTail()
    private var tokens: TokenUsage?

    private static let tokensLine = TextPattern(builtin: #"^\s*Tokens:\s+(.+)$"#)
    private static let tokenCount = TextPattern(
        builtin: #"([\d.,]+)\s*([km])?\s+(sent|received|cache write|cache hit)\b"#)
    private static let sessionCost = TextPattern(builtin: #"\$\s*([\d.,]+)\s+session\b"#)
    private static let litellmError = TextPattern(builtin: #"^\s*litellm\.(\w+)(?::|\s)\s*(.*)$"#)

    mutating func consume(_ line: String, from stream: LoopCore.OutputStream) {
        if let tokenText = Self.tokensLine.firstMatch(in: line)?[1] {
            readTokens(tokenText)
            output.clearErrors()
            return
        }
        if let parts = Self.litellmError.firstMatch(in: line), let name = parts[1], name.hasSuffix("Error") {
            output.recordError(
                "litellm.\(name): \(parts[2] ?? "")", isLimit: name == "RateLimitError",
                isPermanent: name == "AuthenticationError" || name == "NotFoundError")
            return
        }
        output.inspectDiagnostic(line)
        if stream == .stdout {
            tail.append(line)
            output.finalMessage = tail.text
        }
    }

    private mutating func readTokens(_ text: String) {
        var usage = TokenUsage()
        for parts in Self.tokenCount.allMatches(in: text) {
            guard parts.count > 3, let number = parts[1].flatMap(Self.number), let kind = parts[3] else { continue }
            let scale: Double =
                switch parts[2]?.lowercased() {
                case "k": 1_000
                case "m": 1_000_000
                default: 1
                }
            let count = Int((number * scale).rounded())
            switch kind.lowercased() {
            case "sent": usage.inputTokens += count
            case "received": usage.outputTokens += count
            case "cache hit": usage.cachedInputTokens += count
            default: break  // cache writes have no field of their own
            }
        }
        var total = (tokens ?? TokenUsage()) + usage
        if let cost = Self.sessionCost.firstMatch(in: text)?[1].flatMap(Self.number) { total.costUSD = cost }
        tokens = total
        output.usage = total
    }

    private static func number(_ text: String) -> Double? {
        Double(text.replacingOccurrences(of: ",", with: ""))
    }
}
