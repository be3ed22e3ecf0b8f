import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

@Suite("OpenAI-compatible client", .timeLimit(.minutes(1)))
struct OpenAIClientTests {
    static let apiKey = "sk-test-9f8e7d6c5b4a39281706"

    private func client(_ server: ScriptedHTTPServer, apiKey: String? = apiKey) -> OpenAIClient {
        OpenAIClient(baseURL: server.baseURL.appending(path: "v1"), apiKey: apiKey, timeouts: fastTimeouts)
    }

    private func endpoint(_ server: ScriptedHTTPServer) -> String { server.baseURL.absoluteString + "/v1" }

    @Test("tokens reach onToken while the answer is still streaming; usage includes cached tokens")
    func streamsTokens() async throws {
        let server = try ScriptedHTTPServer()
        let gate = ScriptedHTTPServer.Gate()
        let events = [
            OpenAI.role(), OpenAI.content("Hel"), OpenAI.content("lo ✨"), OpenAI.finish("stop"),
            OpenAI.usage(prompt: 1200, completion: 3, cached: 1024), "[DONE]",
        ].map { Data("data: \($0)\n\n".utf8) }
        server.enqueue(
            .init(
                path: "/v1/chat/completions", status: 200, headers: [("Content-Type", "text/event-stream")],
                steps: [.send(events[0] + events[1]), .wait(gate)] + events.dropFirst(2).map { .send($0) },
                framing: .chunked))
        let tokens = TokenLog()
        let response = try await client(server).chat(chatRequest(model: OpenAI.model)) { token in
            tokens.append(token)
            gate.open()
        }
        #expect(gate.wasOpenInTime == true, "onToken must run before the server sends the rest")
        #expect(tokens.all == ["Hel", "lo ✨"])
        #expect(response.content == "Hello ✨")
        #expect(response.finishReason == "stop")
        #expect(response.usage == ModelUsage(promptTokens: 1200, cachedPromptTokens: 1024, completionTokens: 3))
        #expect(response.model == OpenAI.model)
        let ttft = try #require(response.timeToFirstToken)
        #expect(ttft > 0 && ttft <= response.wallTime)
    }

    @Test("the request asks for usage, native tools, a strict json_schema, and sends the key as a Bearer header")
    func requestFields() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.sse([OpenAI.content("{}"), OpenAI.finish("stop")]))
        _ = try await client(server).chat(chatRequest(model: OpenAI.model, tools: [readFileTool], schema: actionSchema))
        { _ in }
        let request = try #require(server.requests.first)
        #expect(request.path == "/v1/chat/completions")
        #expect(request.headers["authorization"] == "Bearer \(Self.apiKey)")
        let body = request.object
        #expect(body["model"] as? String == OpenAI.model)
        #expect(body["stream"] as? Bool == true)
        #expect((body["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        #expect(body["tool_choice"] as? String == "auto")
        let tool = try #require((body["tools"] as? [[String: Any]])?.first)
        #expect(tool["type"] as? String == "function")
        #expect((tool["function"] as? [String: Any])?["name"] as? String == "read_file")
        let format = try #require(body["response_format"] as? [String: Any])
        #expect(format["type"] as? String == "json_schema")
        let schema = try #require(format["json_schema"] as? [String: Any])
        #expect(schema["name"] as? String == "response")
        #expect(schema["strict"] as? Bool == true)
        #expect((schema["schema"] as? [String: Any])?["required"] as? [String] == ["action"])
        #expect(body["temperature"] as? Double == 0.2)
        #expect(body["seed"] as? Int == 42)
        #expect(body["max_tokens"] as? Int == 512)
    }

    @Test("without tools, schema or key, none of those fields or headers is sent")
    func minimalRequest() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.sse([OpenAI.content("hi"), OpenAI.finish("stop")]))
        _ = try await client(server, apiKey: nil).chat(chatRequest(model: OpenAI.model)) { _ in }
        let request = try #require(server.requests.first)
        #expect(request.headers["authorization"] == nil)
        #expect(request.object["tools"] == nil)
        #expect(request.object["tool_choice"] == nil)
        #expect(request.object["response_format"] == nil)
    }

    @Test("assistant tool calls go back with JSON-string arguments, tool results with tool_call_id")
    func historyEncoding() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.sse([OpenAI.content("ok"), OpenAI.finish("stop")]))
        var request = chatRequest(model: OpenAI.model)
        request.messages += [
            ChatMessage(
                role: .assistant, content: "",
                toolCalls: [
                    ToolCall(id: "call_abc", name: "read_file", arguments: .object(["path": .string("a.swift")]))
                ]),
            ChatMessage(role: .tool, content: "let a = 1", toolCallID: "call_abc", toolName: "read_file"),
        ]
        _ = try await client(server).chat(request) { _ in }
        let messages = try #require(server.requests.first?.object["messages"] as? [[String: Any]])
        #expect(messages[2]["content"] is NSNull)
        let call = try #require((messages[2]["tool_calls"] as? [[String: Any]])?.first)
        #expect(call["id"] as? String == "call_abc")
        #expect(call["type"] as? String == "function")
        let function = try #require(call["function"] as? [String: Any])
        #expect(function["arguments"] as? String == #"{"path":"a.swift"}"#)
        #expect(messages[3]["role"] as? String == "tool")
        #expect(messages[3]["tool_call_id"] as? String == "call_abc")
        #expect(messages[3]["content"] as? String == "let a = 1")
    }

    @Test("tool-call fragments are joined by index; bad JSON arguments stay as the raw string")
    func toolCallFragments() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(
            .sse([
                OpenAI.toolStart(index: 0, id: "call_A", name: "read_file"),
                OpenAI.toolArguments(index: 0, #"{"pa"#),
                OpenAI.toolStart(index: 1, id: "call_B", name: "write_file", arguments: #"{"path": "b.sw"#),
                OpenAI.toolArguments(index: 0, #"th": "Sources/ä.swift"}"#),
                OpenAI.toolArguments(index: 1, #"ift", "content": "x"#),
                OpenAI.finish("tool_calls"),
                OpenAI.usage(prompt: 80, completion: 40),
            ]))
        let response = try await client(server).chat(chatRequest(model: OpenAI.model, tools: [readFileTool])) { _ in }
        #expect(response.finishReason == "tool_calls")
        #expect(response.toolCalls.count == 2)
        #expect(
            response.toolCalls[0]
                == ToolCall(id: "call_A", name: "read_file", arguments: .object(["path": .string("Sources/ä.swift")])))
        #expect(
            response.toolCalls[1]
                == ToolCall(id: "call_B", name: "write_file", arguments: .string(#"{"path": "b.swift", "content": "x"#))
        )
        #expect(response.usage == ModelUsage(promptTokens: 80, cachedPromptTokens: nil, completionTokens: 40))
    }

    @Test("llama.cpp's timings.cache_n counts as cached prompt tokens, with or without a usage chunk")
    func llamaTimings() async throws {
        let server = try ScriptedHTTPServer()
        let timings = OpenAI.llamaTimings(cacheN: 900, promptN: 12, predictedN: 7)
        server.enqueue(
            .sse([
                OpenAI.content("a"), OpenAI.finish("stop"), OpenAI.usage(prompt: 912, completion: 7, timings: timings),
            ]))
        server.enqueue(.sse([OpenAI.content("a"), OpenAI.finish("stop", timings: timings)]))
        let client = client(server)
        let withUsage = try await client.chat(chatRequest(model: OpenAI.model)) { _ in }
        #expect(withUsage.usage == ModelUsage(promptTokens: 912, cachedPromptTokens: 900, completionTokens: 7))
        let timingsOnly = try await client.chat(chatRequest(model: OpenAI.model)) { _ in }
        #expect(timingsOnly.usage == ModelUsage(promptTokens: 912, cachedPromptTokens: 900, completionTokens: 7))
    }

    @Test("stream:false reads choices[0].message")
    func nonStreaming() async throws {
        let server = try ScriptedHTTPServer()
        let body = json([
            "id": "chatcmpl-1", "object": "chat.completion", "model": OpenAI.model,
            "choices": [
                [
                    "index": 0, "finish_reason": "tool_calls",
                    "message": [
                        "role": "assistant", "content": NSNull(),
                        "tool_calls": [
                            [
                                "id": "call_1", "type": "function",
                                "function": ["name": "read_file", "arguments": #"{"path":"x"}"#],
                            ]
                        ],
                    ],
                ]
            ],
            "usage": [
                "prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15,
                "prompt_tokens_details": ["cached_tokens": 8],
            ],
        ])
        server.enqueue(.json(body, path: "/v1/chat/completions"))
        let response = try await client(server).chat(chatRequest(model: OpenAI.model, stream: false)) { _ in }
        #expect(server.requests.first?.object["stream"] as? Bool == false)
        #expect(server.requests.first?.object["stream_options"] == nil)
        #expect(
            response.toolCalls == [
                ToolCall(id: "call_1", name: "read_file", arguments: .object(["path": .string("x")]))
            ])
        #expect(response.usage == ModelUsage(promptTokens: 10, cachedPromptTokens: 8, completionTokens: 5))
        #expect(response.timeToFirstToken == nil)
    }

    @Test("an error object inside the stream is a streamError")
    func errorInStream() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(
            .sse([OpenAI.content("a"), #"{"error":{"message":"slot unavailable","type":"server_error","code":503}}"#]))
        await #expect(throws: ModelError.streamError(message: "slot unavailable", endpoint: endpoint(server))) {
            _ = try await client(server).chat(chatRequest(model: OpenAI.model)) { _ in }
        }
    }

    @Test("a data payload that is not JSON is a badResponse quoting it")
    func invalidPayload() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.sse([OpenAI.content("a"), "this is not json", OpenAI.finish("stop")]))
        do {
            _ = try await client(server).chat(chatRequest(model: OpenAI.model)) { _ in }
            Issue.record("expected an error")
        } catch ModelError.badResponse(_, let excerpt, _) {
            #expect(excerpt == "this is not json")
        }
    }

    @Test("a stream that ends with neither [DONE] nor finish_reason is connectionLost; finish_reason alone is enough")
    func streamEnd() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.sse([OpenAI.content("a")], done: false))
        server.enqueue(.sse([OpenAI.content("a"), OpenAI.finish("length")], done: false))
        let client = client(server)
        await #expect(throws: ModelError.connectionLost(endpoint: endpoint(server))) {
            _ = try await client.chat(chatRequest(model: OpenAI.model)) { _ in }
        }
        #expect(try await client.chat(chatRequest(model: OpenAI.model)) { _ in }.finishReason == "length")
    }

    @Test("an unknown model names the models the server has")
    func unknownModel() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(
            .json(
                OpenAI.error("The model `gpt-9` does not exist.", type: "NotFoundError", code: 404), status: 404,
                path: "/v1/chat/completions"))
        server.enqueue(.json(OpenAI.models, path: "/v1/models"))
        await #expect(
            throws: ModelError.unknownModel(
                name: "gpt-9", available: ["qwen2.5-coder-7b-instruct", "llama-3.2-3b-instruct"],
                endpoint: endpoint(server))
        ) {
            _ = try await client(server).chat(chatRequest(model: "gpt-9")) { _ in }
        }
    }

    @Test("a wrong base path (404 without a model in the message) is rejected with URL advice")
    func wrongPath() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(
            .json(#"{"error":{"code":404,"message":"File Not Found","type":"not_found_error"}}"#, status: 404))
        do {
            _ = try await client(server).chat(chatRequest(model: OpenAI.model)) { _ in }
            Issue.record("expected an error")
        } catch let error as ModelError {
            #expect(error == .rejected(status: 404, message: "File Not Found", endpoint: endpoint(server)))
            #expect(error.errorDescription?.contains("/v1") == true)
        }
    }

    @Test("llama.cpp's context error is contextOverflow")
    func contextOverflow() async throws {
        let server = try ScriptedHTTPServer()
        let body = json([
            "error": [
                "code": 400, "message": "the request exceeds the available context size, try increasing it",
                "type": "exceed_context_size_error", "n_prompt_tokens": 9000, "n_ctx": 8192,
            ]
        ])
        server.enqueue(.json(body, status: 400))
        await #expect(
            throws: ModelError.contextOverflow(
                message: "the request exceeds the available context size, try increasing it", endpoint: endpoint(server)
            )
        ) {
            _ = try await client(server).chat(chatRequest(model: OpenAI.model)) { _ in }
        }
    }

    @Test("the API key never appears in an error message, even when the server echoes it")
    func keyRedacted() async throws {
        let server = try ScriptedHTTPServer()
        let echo = "Incorrect API key provided: \(Self.apiKey)"
        server.enqueue(.json(OpenAI.error(echo, type: "invalid_request_error", code: "invalid_api_key"), status: 401))
        server.enqueue(.json(OpenAI.error(echo, type: "server_error", code: 500), status: 500))
        server.enqueue(.sse([#"{"error":{"message":"\#(echo)"}}"#]))
        server.enqueue(.sse(["not json \(Self.apiKey)"]))
        server.enqueue(
            .json(OpenAI.error("context length exceeded for key \(Self.apiKey)", type: "x", code: 400), status: 400))
        let client = client(server)
        var messages: [String] = []
        for _ in 0..<5 {
            do {
                _ = try await client.chat(chatRequest(model: OpenAI.model)) { _ in }
                Issue.record("expected an error")
            } catch {
                messages.append(error.localizedDescription)
            }
        }
        let refused = OpenAIClient(
            baseURL: try #require(URL(string: "http://127.0.0.1:\(try ScriptedHTTPServer.unusedPort())/v1")),
            apiKey: Self.apiKey)
        do { _ = try await refused.listModels() } catch { messages.append(error.localizedDescription) }
        #expect(messages.count == 6)
        for message in messages {
            #expect(!message.contains(Self.apiKey), "\(message)")
            #expect(!message.contains("9f8e7d6c5b4a"), "\(message)")
        }
        #expect(messages[0].contains("[redacted]"))
        #expect(messages[0].contains("HTTP 401"))
    }

    @Test("listModels reads /v1/models; modelInfo reads llama.cpp's /props and tolerates its absence")
    func metadata() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.json(OpenAI.models, path: "/v1/models"))
        server.enqueue(
            .json(
                json(["default_generation_settings": ["n_ctx": 16384, "temperature": 0.8], "total_slots": 1]),
                path: "/props"))
        server.enqueue(.json(#"{"error":{"code":404,"message":"File Not Found"}}"#, status: 404, path: "/props"))
        let client = client(server)
        #expect(try await client.listModels() == ["qwen2.5-coder-7b-instruct", "llama-3.2-3b-instruct"])
        #expect(
            try await client.modelInfo(OpenAI.model)
                == ModelInfo(name: OpenAI.model, contextLength: 16384, supportsTools: nil))
        #expect(
            try await client.modelInfo(OpenAI.model)
                == ModelInfo(name: OpenAI.model, contextLength: nil, supportsTools: nil))
        #expect(server.requests.map(\.path) == ["/v1/models", "/props", "/props"])
    }

    @Test(
        "OPENAI_BASE_URL resolves with defaults",
        arguments: [
            (nil, "http://127.0.0.1:8080/v1"), ("", "http://127.0.0.1:8080/v1"),
            ("http://localhost:1234/v1/", "http://localhost:1234/v1"), ("gpu:8000/v1", "http://gpu:8000/v1"),
            ("https://api.example.com/v1", "https://api.example.com/v1"),
        ] as [(String?, String)])
    func baseURL(value: String?, expected: String) {
        #expect(OpenAIClient.resolveBaseURL(value).absoluteString == expected)
        #expect(OpenAIClient(environment: value.map { ["OPENAI_BASE_URL": $0] } ?? [:]).endpoint == expected)
    }
}

extension OpenAIClientTests {
    @Test("a server that ignores stream:true and sends one JSON object is still understood")
    func ignoredStreamFlag() async throws {
        let server = try ScriptedHTTPServer()
        let body = json([
            "id": "chatcmpl-2", "object": "chat.completion", "model": OpenAI.model,
            "choices": [["index": 0, "finish_reason": "stop", "message": ["role": "assistant", "content": "whole"]]],
            "usage": ["prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4],
        ])
        server.enqueue(.json(body, path: "/v1/chat/completions"))
        let response = try await client(server).chat(chatRequest(model: OpenAI.model)) { _ in }
        #expect(response.content == "whole")
        #expect(response.usage.promptTokens == 3)
    }

    @Test("an HTML page instead of an event stream is a badResponse quoting it")
    func htmlInsteadOfStream() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(
            .init(
                path: nil, status: 200, headers: [("Content-Type", "text/html")],
                steps: [.send(Data("<html><body>Welcome to nginx!</body></html>".utf8))], framing: .contentLength))
        do {
            _ = try await client(server).chat(chatRequest(model: OpenAI.model)) { _ in }
            Issue.record("expected an error")
        } catch ModelError.badResponse(_, let excerpt, _) {
            #expect(excerpt.contains("Welcome to nginx!"))
        }
    }
}
