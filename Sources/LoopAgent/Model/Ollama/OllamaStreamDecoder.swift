import Foundation
import LoopCore

/// Reads the NDJSON lines of an Ollama `/api/chat` answer into a `ChatResponse`.
///
/// Each line is one JSON object: partial `message.content`, complete `message.tool_calls`
/// (Ollama does not stream argument fragments), and a last `done: true` line with the counts.
/// An `{"error": ...}` line is the server failing mid-answer. A line that is not JSON is an
/// error too (`badResponse`), not skipped: a server speaking something else must not pass
/// for an empty answer. Unknown fields are ignored; `message.thinking` counts as the first
/// token for timing but is not part of the content.
struct OllamaStreamDecoder {
    /// What one line added.
    struct Delta {
        var text = ""
        /// The model produced something (text, thinking or a tool call).
        var isGenerated = false
    }

    let translator: ErrorTranslator
    private(set) var content = ""
    private(set) var toolCalls: [ToolCall] = []
    private(set) var isDone = false
    private(set) var hasLines = false
    private var doneReason: String?
    private var usage = ModelUsage()
    private var model: String?

    init(translator: ErrorTranslator) {
        self.translator = translator
    }

    static let expected = "an Ollama chat answer (NDJSON)"

    mutating func consume(_ line: String) throws -> Delta {
        hasLines = true
        guard !isDone else { return Delta() }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)), value.objectValue != nil
        else {
            throw translator.badResponse(expected: Self.expected, got: line)
        }
        if let error = value["error"] {
            throw translator.streamError(error.stringValue ?? error["message"]?.stringValue ?? "\(error)")
        }
        var delta = Delta()
        if let message = value["message"] {
            if let text = message["content"]?.stringValue, !text.isEmpty {
                content += text
                delta.text = text
                delta.isGenerated = true
            }
            if let thinking = message["thinking"]?.stringValue, !thinking.isEmpty { delta.isGenerated = true }
            for call in message["tool_calls"]?.arrayValue ?? [] {
                let function = call["function"]
                toolCalls.append(
                    ToolCall(
                        id: call["id"]?.stringValue ?? "call_\(toolCalls.count)",
                        name: function?["name"]?.stringValue ?? "",
                        arguments: WireArguments.parse(function?["arguments"])))
                delta.isGenerated = true
            }
        }
        if let name = value["model"]?.stringValue { model = name }
        if case .bool(true) = value["done"] {
            isDone = true
            doneReason = value["done_reason"]?.stringValue
            usage = ModelUsage(
                promptTokens: value["prompt_eval_count"]?.intValue ?? 0, cachedPromptTokens: nil,
                completionTokens: value["eval_count"]?.intValue ?? 0)
        }
        return delta
    }

    /// The finished answer.
    ///
    /// - Throws: `badResponse` when nothing came, `connectionLost` when the `done` line never did.
    func response(clock: ChatClock, requestedModel: String) throws -> ChatResponse {
        guard hasLines else { throw translator.badResponse(expected: Self.expected, got: "(empty body)") }
        guard isDone else { throw ModelError.connectionLost(endpoint: translator.endpoint) }
        return ChatResponse(
            content: content, toolCalls: toolCalls, finishReason: doneReason, usage: usage,
            timeToFirstToken: clock.timeToFirstToken, wallTime: clock.elapsed, model: model ?? requestedModel)
    }
}
