import Foundation
import LoopCore

/// Builds the body of `POST {base}/chat/completions` for OpenAI-compatible servers.
///
/// Uses the fields llama.cpp's server, vLLM and LM Studio all accept: `max_tokens` rather
/// than OpenAI's newer `max_completion_tokens`, `tool_choice: "auto"` only when tools are
/// given, and `response_format` with a strict `json_schema` for constrained output.
struct OpenAIRequestEncoder: Sendable {
    func body(for request: ChatRequest) throws -> Data {
        WireJSON.data(value(for: request))
    }

    func value(for request: ChatRequest) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(request.model),
            "messages": .array(request.messages.map(message)),
            "stream": .bool(request.stream),
        ]
        if request.stream { body["stream_options"] = .object(["include_usage": .bool(true)]) }
        if let tools = request.tools, !tools.isEmpty {
            body["tools"] = .array(tools.map(\.wireFunction))
            body["tool_choice"] = .string("auto")
        }
        if let schema = request.responseSchema {
            body["response_format"] = .object([
                "type": .string("json_schema"),
                "json_schema": .object(["name": .string("response"), "schema": schema, "strict": .bool(true)]),
            ])
        }
        if let temperature = request.temperature { body["temperature"] = .number(temperature) }
        if let seed = request.seed { body["seed"] = .number(Double(seed)) }
        if let maxTokens = request.maxTokens { body["max_tokens"] = .number(Double(maxTokens)) }
        return .object(body)
    }

    private func message(_ message: ChatMessage) -> JSONValue {
        var object: [String: JSONValue] = ["role": .string(message.role.rawValue)]
        switch message.role {
        case .assistant where !message.toolCalls.isEmpty:
            object["content"] = message.content.isEmpty ? .null : .string(message.content)
            object["tool_calls"] = .array(
                message.toolCalls.map { call in
                    .object([
                        "id": .string(call.id),
                        "type": .string("function"),
                        "function": .object([
                            "name": .string(call.name), "arguments": .string(WireArguments.string(call.arguments)),
                        ]),
                    ])
                })
        case .tool:
            object["content"] = .string(message.content)
            object["tool_call_id"] = .string(message.toolCallID ?? message.toolName ?? "")
        default:
            object["content"] = .string(message.content)
        }
        return .object(object)
    }
}
