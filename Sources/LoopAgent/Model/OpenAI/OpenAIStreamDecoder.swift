import Foundation
import LoopCore

/// Reads an OpenAI-compatible chat answer (SSE chunks or one JSON body) into a `ChatResponse`.
///
/// Text comes as `choices[0].delta.content` fragments. Tool calls come as fragments keyed by
/// `index` (id and name in the first, `arguments` split anywhere), so they are buffered and
/// parsed at the end; arguments that are not JSON stay `.string(raw)`. Usage comes in a last
/// chunk with empty `choices` (`stream_options.include_usage`); llama.cpp's server also sends
/// `timings.cache_n`, read as cached prompt tokens when `prompt_tokens_details` is missing.
/// A `data:` payload that is not JSON is an error (`badResponse`), not skipped.
struct OpenAIStreamDecoder {
    /// What one chunk added.
    struct Delta {
        var text = ""
        /// The model produced something (text, reasoning or a tool call).
        var isGenerated = false
    }

    private struct PartialCall {
        var id: String?
        var name = ""
        var arguments = ""
    }

    static let expected = "an OpenAI-compatible chat answer"

    let translator: ErrorTranslator
    /// `data: [DONE]` arrived.
    private(set) var isDone = false
    private var hasPayloads = false
    private var content = ""
    private var calls: [Int: PartialCall] = [:]
    private var lastCallIndex: Int?
    private var finishReason: String?
    private var usage: JSONValue?
    private var timings: JSONValue?
    private var model: String?

    init(translator: ErrorTranslator) {
        self.translator = translator
    }

    /// Reads one SSE event of a streamed answer.
    mutating func consume(_ event: SSEEvent) throws -> Delta {
        guard !isDone else { return Delta() }
        if event.isDone {
            isDone = true
            return Delta()
        }
        return try consume(payload: event.data, messageKey: "delta")
    }

    /// Reads the whole body of an answer sent with `stream: false`.
    mutating func consume(body: Data) throws {
        _ = try consume(payload: String(decoding: body, as: UTF8.self), messageKey: "message")
    }

    private mutating func consume(payload: String, messageKey: String) throws -> Delta {
        hasPayloads = true
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(payload.utf8)),
            value.objectValue != nil
        else {
            throw translator.badResponse(expected: Self.expected, got: payload)
        }
        if let error = value["error"], error != .null {
            throw translator.streamError(error["message"]?.stringValue ?? error.stringValue ?? "\(error)")
        }
        if let name = value["model"]?.stringValue { model = name }
        if let usage = value["usage"], usage.objectValue != nil { self.usage = usage }
        if let timings = value["timings"], timings.objectValue != nil { self.timings = timings }
        let choices = value["choices"]?.arrayValue ?? []
        guard let choice = choices.first(where: { $0["index"]?.intValue == 0 }) ?? choices.first else {
            return Delta()
        }
        if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
        guard let message = choice[messageKey] else { return Delta() }

        var delta = Delta()
        if let text = message["content"]?.stringValue, !text.isEmpty {
            content += text
            delta.text = text
            delta.isGenerated = true
        }
        for key in ["reasoning_content", "reasoning"] {
            if let text = message[key]?.stringValue, !text.isEmpty { delta.isGenerated = true }
        }
        for (position, fragment) in (message["tool_calls"]?.arrayValue ?? []).enumerated() {
            addFragment(fragment, position: position, isWhole: messageKey == "message")
            delta.isGenerated = true
        }
        return delta
    }

    /// Adds one tool-call fragment. Streams key fragments by `index`; a server that omits it
    /// gets a new call per new `id` and the last call otherwise. A whole message (`isWhole`)
    /// holds complete calls in order.
    private mutating func addFragment(_ fragment: JSONValue, position: Int, isWhole: Bool) {
        let id = fragment["id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let index: Int
        if isWhole {
            index = position
        } else if let given = fragment["index"]?.intValue {
            index = given
        } else if let id {
            index = calls.first { $0.value.id == id }?.key ?? (calls.keys.max() ?? -1) + 1
        } else {
            index = lastCallIndex ?? position
        }
        var call = calls[index] ?? PartialCall()
        if call.id == nil { call.id = id }
        if call.name.isEmpty, let name = fragment["function"]?["name"]?.stringValue { call.name = name }
        if let arguments = fragment["function"]?["arguments"] {
            call.arguments += arguments.stringValue ?? WireArguments.string(arguments)
        }
        calls[index] = call
        lastCallIndex = index
    }

    /// The finished answer.
    ///
    /// - Throws: `badResponse` when nothing came; `connectionLost` when the stream ended with
    ///   neither `[DONE]` nor a `finish_reason`.
    func response(clock: ChatClock, requestedModel: String) throws -> ChatResponse {
        guard hasPayloads else { throw translator.badResponse(expected: Self.expected, got: "(empty body)") }
        guard isDone || finishReason != nil else { throw ModelError.connectionLost(endpoint: translator.endpoint) }
        let toolCalls = calls.sorted { $0.key < $1.key }.map { index, call in
            ToolCall(id: call.id ?? "call_\(index)", name: call.name, arguments: WireArguments.parse(call.arguments))
        }
        return ChatResponse(
            content: content, toolCalls: toolCalls, finishReason: finishReason, usage: modelUsage,
            timeToFirstToken: clock.timeToFirstToken, wallTime: clock.elapsed, model: model ?? requestedModel)
    }

    private var modelUsage: ModelUsage {
        let cacheN = timings?["cache_n"]?.intValue
        if let usage {
            return ModelUsage(
                promptTokens: usage["prompt_tokens"]?.intValue ?? 0,
                cachedPromptTokens: usage["prompt_tokens_details"]?["cached_tokens"]?.intValue ?? cacheN,
                completionTokens: usage["completion_tokens"]?.intValue ?? 0)
        }
        guard let timings else { return ModelUsage() }
        return ModelUsage(
            promptTokens: (timings["prompt_n"]?.intValue ?? 0) + (cacheN ?? 0), cachedPromptTokens: cacheN,
            completionTokens: timings["predicted_n"]?.intValue ?? 0)
    }
}
