import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

@Suite("Ollama client", .timeLimit(.minutes(1)))
struct OllamaClientTests {
    private func client(_ server: ScriptedHTTPServer, timeouts: ModelTimeouts = fastTimeouts) -> OllamaClient {
        OllamaClient(baseURL: server.baseURL, timeouts: timeouts)
    }

    @Test("tokens reach onToken while the answer is still streaming; usage and timing come from the done line")
    func streamsTokens() async throws {
        let server = try ScriptedHTTPServer()
        let gate = ScriptedHTTPServer.Gate()
        let lines = [Ollama.chunk("Hel"), Ollama.chunk("lo, "), Ollama.chunk("wörld"), Ollama.done()]
        server.enqueue(
            .init(
                path: "/api/chat", status: 200, headers: [("Content-Type", "application/x-ndjson")],
                steps: [.send(Data((lines[0] + "\n").utf8)), .wait(gate)]
                    + lines.dropFirst().map { .send(Data(($0 + "\n").utf8)) },
                framing: .chunked))
        let tokens = TokenLog()
        let response = try await client(server).chat(chatRequest(model: Ollama.model)) { token in
            tokens.append(token)
            gate.open()
        }
        #expect(gate.wasOpenInTime == true, "onToken must run before the server sends the rest")
        #expect(tokens.all == ["Hel", "lo, ", "wörld"])
        #expect(response.content == "Hello, wörld")
        #expect(response.finishReason == "stop")
        #expect(response.usage == ModelUsage(promptTokens: 26, cachedPromptTokens: nil, completionTokens: 298))
        #expect(response.model == Ollama.model)
        let ttft = try #require(response.timeToFirstToken)
        #expect(ttft > 0 && ttft <= response.wallTime)
    }

    @Test("the request always carries options.num_ctx and keep_alive, and format when a schema is given")
    func requestFields() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.ndjson([Ollama.chunk("{\"action\":\"finish\"}"), Ollama.done()]).repeating)
        let client = client(server)
        _ = try await client.chat(chatRequest(model: Ollama.model, tools: [readFileTool], schema: actionSchema)) { _ in
        }
        _ = try await client.chat(chatRequest(model: Ollama.model, contextLength: 16384)) { _ in }

        let first = try #require(server.requests.first).object
        #expect(first["model"] as? String == Ollama.model)
        #expect(first["stream"] as? Bool == true)
        #expect(first["keep_alive"] as? String == "30m")
        let options = try #require(first["options"] as? [String: Any])
        #expect(options["num_ctx"] as? Int == 8192)
        #expect(options["temperature"] as? Double == 0.2)
        #expect(options["seed"] as? Int == 42)
        #expect(options["num_predict"] as? Int == 512)
        let format = try #require(first["format"] as? [String: Any])
        #expect(format["type"] as? String == "object")
        #expect((format["required"] as? [String]) == ["action"])
        let tools = try #require(first["tools"] as? [[String: Any]])
        #expect(tools.first?["type"] as? String == "function")
        let function = try #require(tools.first?["function"] as? [String: Any])
        #expect(function["name"] as? String == "read_file")
        #expect((function["parameters"] as? [String: Any])?["type"] as? String == "object")
        let messages = try #require(first["messages"] as? [[String: Any]])
        #expect(messages.map { $0["role"] as? String } == ["system", "user"])

        let second = try #require(server.requests.last).object
        #expect((second["options"] as? [String: Any])?["num_ctx"] as? Int == 16384)
        #expect(second["format"] == nil)
        #expect(second["tools"] == nil)
    }

    @Test("assistant tool calls and tool results go back in Ollama's shape")
    func historyEncoding() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.ndjson([Ollama.chunk("ok"), Ollama.done()]))
        var request = chatRequest(model: Ollama.model)
        request.messages += [
            ChatMessage(
                role: .assistant, content: "",
                toolCalls: [ToolCall(id: "call_0", name: "read_file", arguments: .object(["path": .string("a.swift")]))]
            ),
            ChatMessage(role: .tool, content: "let a = 1", toolCallID: "call_0", toolName: "read_file"),
        ]
        _ = try await client(server).chat(request) { _ in }
        let messages = try #require(server.requests.first?.object["messages"] as? [[String: Any]])
        let calls = try #require(messages[2]["tool_calls"] as? [[String: Any]])
        let function = try #require(calls.first?["function"] as? [String: Any])
        #expect(function["name"] as? String == "read_file")
        #expect((function["arguments"] as? [String: Any])?["path"] as? String == "a.swift")
        #expect(messages[3]["role"] as? String == "tool")
        #expect(messages[3]["tool_name"] as? String == "read_file")
        #expect(messages[3]["content"] as? String == "let a = 1")
    }

    @Test("tool calls are parsed with object arguments")
    func toolCalls() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(
            .ndjson([
                Ollama.toolCalls([
                    ("read_file", ["path": "Sources/main.swift"]), ("search", ["pattern": "TODO", "max": 5]),
                ]),
                Ollama.done(),
            ]))
        let response = try await client(server).chat(chatRequest(model: Ollama.model, tools: [readFileTool])) { _ in }
        #expect(response.toolCalls.map(\.name) == ["read_file", "search"])
        #expect(response.toolCalls[0].arguments == .object(["path": .string("Sources/main.swift")]))
        #expect(response.toolCalls[1].arguments["max"] == .number(5))
        #expect(Set(response.toolCalls.map(\.id)).count == 2)
        #expect(response.timeToFirstToken != nil)
    }

    @Test("stream:false reads the one JSON object")
    func nonStreaming() async throws {
        let server = try ScriptedHTTPServer()
        let whole = Ollama.done().replacingOccurrences(of: #""content":"""#, with: #""content":"All done.""#)
        server.enqueue(.json(whole, path: "/api/chat"))
        let response = try await client(server).chat(chatRequest(model: Ollama.model, stream: false)) { _ in
            Issue.record("no tokens are streamed with stream:false")
        }
        #expect(server.requests.first?.object["stream"] as? Bool == false)
        #expect(response.content == "All done.")
        #expect(response.usage.completionTokens == 298)
        #expect(response.timeToFirstToken == nil)
    }

    @Test("an error object mid-stream is a streamError with the server's message")
    func errorMidStream() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(
            .ndjson([
                Ollama.chunk("Hel"),
                #"{"error":"an error was encountered while running the model: CUDA out of memory"}"#,
            ]))
        await #expect(
            throws: ModelError.streamError(
                message: "an error was encountered while running the model: CUDA out of memory",
                endpoint: ServerMessage.display(server.baseURL))
        ) {
            _ = try await client(server).chat(chatRequest(model: Ollama.model)) { _ in }
        }
    }

    @Test("a line that is not JSON is a badResponse quoting it, not a crash or a silent skip")
    func invalidLine() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.ndjson([Ollama.chunk("Hel"), "<html>502 Bad Gateway</html>", Ollama.done()]))
        do {
            _ = try await client(server).chat(chatRequest(model: Ollama.model)) { _ in }
            Issue.record("expected an error")
        } catch let error as ModelError {
            guard case .badResponse(_, let excerpt, _) = error else { throw error }
            #expect(excerpt.contains("502 Bad Gateway"))
            #expect(error.errorDescription?.contains("\n") == false)
        }
    }

    @Test("a stream that ends before the done line is connectionLost")
    func missingDone() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.ndjson([Ollama.chunk("Hel")]))
        await #expect(throws: ModelError.connectionLost(endpoint: ServerMessage.display(server.baseURL))) {
            _ = try await client(server).chat(chatRequest(model: Ollama.model)) { _ in }
        }
    }

    @Test("an unknown model names the models the server has")
    func unknownModel() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(
            .json(#"{"error":"model \"qwen3:0.6b\" not found, try pulling it first"}"#, status: 404, path: "/api/chat"))
        server.enqueue(.json(Ollama.tags, path: "/api/tags"))
        do {
            _ = try await client(server).chat(chatRequest(model: "qwen3:0.6b")) { _ in }
            Issue.record("expected an error")
        } catch let error as ModelError {
            #expect(
                error
                    == .unknownModel(
                        name: "qwen3:0.6b", available: ["qwen2.5-coder:7b", "llama3.2:3b"],
                        endpoint: ServerMessage.display(server.baseURL)))
            let message = try #require(error.errorDescription)
            #expect(message.contains("qwen2.5-coder:7b, llama3.2:3b"))
            #expect(message.contains("ollama pull qwen3:0.6b"))
        }
    }

    @Test("a prompt longer than the context is contextOverflow")
    func contextOverflow() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.json(#"{"error":"the input length exceeds the context length"}"#, status: 400))
        do {
            _ = try await client(server).chat(chatRequest(model: Ollama.model)) { _ in }
            Issue.record("expected an error")
        } catch ModelError.contextOverflow(let message, _) {
            #expect(message == "the input length exceeds the context length")
        }
    }

    @Test("other 4xx answers are rejected with the server's message")
    func rejected() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.json(#"{"error":"registry.ollama.ai/library/gemma:2b does not support tools"}"#, status: 400))
        await #expect(
            throws: ModelError.rejected(
                status: 400, message: "registry.ollama.ai/library/gemma:2b does not support tools",
                endpoint: ServerMessage.display(server.baseURL))
        ) {
            _ = try await client(server).chat(chatRequest(model: "gemma:2b", tools: [readFileTool])) { _ in }
        }
    }

    @Test("listModels reads /api/tags; modelInfo reads context length and tool support from /api/show")
    func metadata() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.json(Ollama.tags, path: "/api/tags"))
        server.enqueue(.json(Ollama.show, path: "/api/show"))
        server.enqueue(.json(#"{"model_info":{"llama.context_length":131072}}"#, path: "/api/show"))
        let client = client(server)
        #expect(try await client.listModels() == ["qwen2.5-coder:7b", "llama3.2:3b"])
        #expect(
            try await client.modelInfo(Ollama.model)
                == ModelInfo(name: Ollama.model, contextLength: 32768, supportsTools: true))
        #expect(try await client.modelInfo("old") == ModelInfo(name: "old", contextLength: 131072, supportsTools: nil))
        #expect(server.requests[1].method == "POST")
        #expect(server.requests[1].object["model"] as? String == Ollama.model)
    }

    @Test("the first chat with a model may take the longer first-request wait; later chats may not")
    func firstRequestTimeout() async throws {
        let server = try ScriptedHTTPServer()
        let slow = ScriptedHTTPServer.Response(
            path: "/api/chat", status: 200, headers: [],
            steps: [.pause(.milliseconds(1500)), .send(Data((Ollama.chunk("hi") + "\n" + Ollama.done() + "\n").utf8))],
            framing: .chunked)
        server.enqueue(slow)
        server.enqueue(slow)
        let client = client(server, timeouts: ModelTimeouts(request: .milliseconds(300), firstRequest: .seconds(5)))
        let first = try await client.chat(chatRequest(model: Ollama.model)) { _ in }
        #expect(first.content == "hi")
        do {
            _ = try await client.chat(chatRequest(model: Ollama.model)) { _ in }
            Issue.record("expected a timeout")
        } catch ModelError.timedOut(let after, let beforeFirstByte, _) {
            #expect(after == .milliseconds(300))
            #expect(beforeFirstByte)
        }
    }
}
