import Foundation
import LoopCore
import Synchronization

@testable import LoopAgent

/// Realistic server payloads (shapes from Ollama's api.md, llama.cpp's server and OpenAI's
/// chat completions), and small builders for the tests.
enum Ollama {
    static let model = "qwen2.5-coder:7b"

    /// A streamed `/api/chat` line with a content fragment.
    static func chunk(_ content: String, model: String = model) -> String {
        json([
            "model": model, "created_at": "2025-05-01T10:00:00.123456Z",
            "message": ["role": "assistant", "content": content], "done": false,
        ])
    }

    /// A streamed line carrying complete tool calls (Ollama does not stream argument fragments).
    static func toolCalls(_ calls: [(name: String, arguments: [String: Any])]) -> String {
        json([
            "model": model, "created_at": "2025-05-01T10:00:01.000000Z",
            "message": [
                "role": "assistant", "content": "",
                "tool_calls": calls.map { ["function": ["name": $0.name, "arguments": $0.arguments]] },
            ],
            "done": false,
        ])
    }

    /// The final `done: true` line with the counts (durations in nanoseconds).
    static func done(reason: String = "stop", prompt: Int = 26, completion: Int = 298) -> String {
        json([
            "model": model, "created_at": "2025-05-01T10:00:02.000000Z",
            "message": ["role": "assistant", "content": ""], "done": true, "done_reason": reason,
            "total_duration": 5_191_566_416, "load_duration": 2_154_458, "prompt_eval_count": prompt,
            "prompt_eval_duration": 383_809_000, "eval_count": completion, "eval_duration": 4_799_921_000,
        ])
    }

    static let tags = json([
        "models": [
            [
                "name": "qwen2.5-coder:7b", "model": "qwen2.5-coder:7b", "modified_at": "2025-04-30T09:00:00Z",
                "size": 4_683_087_332, "digest": "2b0496514337",
                "details": [
                    "format": "gguf", "family": "qwen2", "parameter_size": "7.6B", "quantization_level": "Q4_K_M",
                ],
            ],
            [
                "name": "llama3.2:3b", "model": "llama3.2:3b", "modified_at": "2025-04-29T09:00:00Z",
                "size": 2_019_393_189, "digest": "a80c4f17acd5", "details": ["format": "gguf", "family": "llama"],
            ],
        ]
    ])

    static let show = json([
        "modelfile": "FROM qwen2.5-coder:7b", "parameters": "stop \"<|im_end|>\"", "template": "{{ .Prompt }}",
        "details": ["format": "gguf", "family": "qwen2"],
        "model_info": ["general.architecture": "qwen2", "qwen2.context_length": 32768, "qwen2.block_count": 28],
        "capabilities": ["completion", "tools", "insert"],
    ])
}

enum OpenAI {
    static let model = "qwen2.5-coder-7b-instruct"

    private static func chunk(_ choice: [String: Any]?, extra: [String: Any] = [:]) -> String {
        var object: [String: Any] = [
            "id": "chatcmpl-7f3a", "object": "chat.completion.chunk", "created": 1_746_093_600, "model": model,
            "system_fingerprint": "b5000", "choices": choice.map { [$0] } ?? [],
        ]
        object.merge(extra) { $1 }
        return json(object)
    }

    static func role() -> String {
        chunk(["index": 0, "delta": ["role": "assistant", "content": ""], "finish_reason": NSNull()])
    }

    static func content(_ text: String) -> String {
        chunk(["index": 0, "delta": ["content": text], "finish_reason": NSNull()])
    }

    /// The first fragment of tool call `index`: id, name and (maybe empty) arguments.
    static func toolStart(index: Int, id: String, name: String, arguments: String = "") -> String {
        chunk([
            "index": 0,
            "delta": [
                "role": "assistant", "content": NSNull(),
                "tool_calls": [
                    ["index": index, "id": id, "type": "function", "function": ["name": name, "arguments": arguments]]
                ],
            ],
            "finish_reason": NSNull(),
        ])
    }

    /// A later fragment of tool call `index`'s arguments.
    static func toolArguments(index: Int, _ fragment: String) -> String {
        chunk([
            "index": 0, "delta": ["tool_calls": [["index": index, "function": ["arguments": fragment]]]],
            "finish_reason": NSNull(),
        ])
    }

    static func finish(_ reason: String, timings: [String: Any]? = nil) -> String {
        chunk(["index": 0, "delta": [:], "finish_reason": reason], extra: timings.map { ["timings": $0] } ?? [:])
    }

    /// The extra last chunk `stream_options.include_usage` asks for.
    static func usage(prompt: Int, completion: Int, cached: Int? = nil, timings: [String: Any]? = nil) -> String {
        var usage: [String: Any] = [
            "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
        ]
        if let cached { usage["prompt_tokens_details"] = ["cached_tokens": cached] }
        var extra: [String: Any] = ["usage": usage]
        if let timings { extra["timings"] = timings }
        return chunk(nil, extra: extra)
    }

    /// llama.cpp server's `timings` object.
    static func llamaTimings(cacheN: Int, promptN: Int, predictedN: Int) -> [String: Any] {
        [
            "cache_n": cacheN, "prompt_n": promptN, "prompt_ms": 412.5, "prompt_per_token_ms": 34.3,
            "prompt_per_second": 29.1, "predicted_n": predictedN, "predicted_ms": 950.2,
            "predicted_per_token_ms": 19.0, "predicted_per_second": 52.6,
        ]
    }

    static let models = json([
        "object": "list",
        "data": [
            ["id": "qwen2.5-coder-7b-instruct", "object": "model", "created": 1_746_093_600, "owned_by": "llamacpp"],
            ["id": "llama-3.2-3b-instruct", "object": "model", "created": 1_746_093_600, "owned_by": "llamacpp"],
        ],
    ])

    static func error(_ message: String, type: String, code: Any) -> String {
        json(["error": ["message": message, "type": type, "param": NSNull(), "code": code]])
    }
}

/// One-line JSON for a payload literal.
func json(_ object: Any) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
        return "{}"
    }
    return String(decoding: data, as: UTF8.self)
}

/// Collects streamed tokens from a `@Sendable` callback, for assertions.
final class TokenLog: Sendable {
    private let tokens = Mutex<[String]>([])
    var all: [String] { tokens.withLock { $0 } }
    func append(_ token: String) { tokens.withLock { $0.append(token) } }
}

/// A plain chat request for tests.
func chatRequest(
    model: String, tools: [ToolSpec]? = nil, schema: JSONValue? = nil, stream: Bool = true,
    contextLength: Int? = nil
) -> ChatRequest {
    ChatRequest(
        model: model,
        messages: [
            ChatMessage(role: .system, content: "You are a careful coding agent."),
            ChatMessage(role: .user, content: "Read Sources/main.swift."),
        ],
        tools: tools, responseSchema: schema, temperature: 0.2, seed: 42, maxTokens: 512,
        contextLength: contextLength, stream: stream)
}

let readFileTool = ToolSpec(
    name: "read_file", description: "Read a file in the workspace.",
    parameters: .object([
        "type": .string("object"),
        "properties": .object(["path": .object(["type": .string("string")])]),
        "required": .array([.string("path")]),
    ]))

let actionSchema: JSONValue = .object([
    "type": .string("object"),
    "properties": .object(["action": .object(["type": .string("string")])]),
    "required": .array([.string("action")]),
])

/// Short limits so failure tests finish fast.
let fastTimeouts = ModelTimeouts(request: .seconds(5), firstRequest: .seconds(5))
