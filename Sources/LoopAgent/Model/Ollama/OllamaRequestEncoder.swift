import Foundation
import LoopCore

/// Builds the body of Ollama's `POST /api/chat`.
///
/// `options.num_ctx` is always sent: Ollama's server default has changed between releases
/// (2048 in many) and silently truncates a longer prompt from the front, which loses the
/// system prompt. `keep_alive` is always sent so the model stays loaded between rounds.
struct OllamaRequestEncoder: Sendable {
    var defaultContextLength: Int
    var defaultKeepAlive: String

    func body(for request: ChatRequest) throws -> Data {
        WireJSON.data(value(for: request))
    }

    func value(for request: ChatRequest) -> JSONValue {
        var options: [String: JSONValue] = [
            "num_ctx": .number(Double(request.contextLength ?? defaultContextLength))
        ]
        if let temperature = request.temperature { options["temperature"] = .number(temperature) }
        if let seed = request.seed { options["seed"] = .number(Double(seed)) }
        if let maxTokens = request.maxTokens { options["num_predict"] = .number(Double(maxTokens)) }
        var body: [String: JSONValue] = [
            "model": .string(request.model),
            "messages": .array(request.messages.map(message)),
            "options": .object(options),
            "keep_alive": .string(request.keepAlive ?? defaultKeepAlive),
            "stream": .bool(request.stream),
        ]
        if let tools = request.tools, !tools.isEmpty { body["tools"] = .array(tools.map(\.wireFunction)) }
        if let schema = request.responseSchema { body["format"] = schema }
        return .object(body)
    }

    private func message(_ message: ChatMessage) -> JSONValue {
        var object: [String: JSONValue] = [
            "role": .string(message.role.rawValue),
            "content": .string(message.content),
        ]
        if !message.toolCalls.isEmpty {
            object["tool_calls"] = .array(
                message.toolCalls.map { call in
                    .object([
                        "function": .object([
                            "name": .string(call.name), "arguments": WireArguments.object(call.arguments),
                        ])
                    ])
                })
        }
        if message.role == .tool, let name = message.toolName { object["tool_name"] = .string(name) }
        return .object(object)
    }
}
