import Foundation
import LoopCore

/// Reads the built-in agent's output (`loop agent`, the `ollama` and `openai` backends).
///
/// Progress goes to stdout; when the agent fails it prints exactly one `loop-agent: <why>`
/// line on stderr. That line becomes the dispatch's error, so the round's failure reason says
/// what the model server did instead of quoting the last progress lines.
struct LoopAgentParser: OutputParser {
    static let errorPrefix = "loop-agent: "

    private(set) var output = ParsedOutput()
    private var text = TextParser()

    mutating func consume(_ line: String, from stream: LoopCore.OutputStream) {
        text.consume(line, from: stream)
        output = text.output
        if stream == .stderr, line.hasPrefix(Self.errorPrefix) {
            agentError = String(line.dropFirst(Self.errorPrefix.count))
        }
        if let agentError { output.errorMessage = RateLimitClassifier.oneLine(agentError) }
    }

    mutating func finish() {
        text.finish()
        output = text.output
        if let agentError { output.errorMessage = RateLimitClassifier.oneLine(agentError) }
    }

    private var agentError: String?
}
