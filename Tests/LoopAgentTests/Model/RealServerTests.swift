import Foundation
import LoopCore
import Testing

@testable import LoopAgent

/// The OpenAI client against a real server (llama.cpp's, from `scripts/local-model start`).
///
/// Runs only when `LOOP_TEST_OPENAI_BASE_URL` is set, never from a plain `OPENAI_BASE_URL`,
/// so a developer's paid endpoint is not called by `swift test`.
@Suite(
    "Real OpenAI-compatible server", .enabled(if: RealServer.baseURL != nil, "set LOOP_TEST_OPENAI_BASE_URL to run"),
    .timeLimit(.minutes(10)))
struct RealServerTests {
    private let client = OpenAIClient(
        baseURL: RealServer.baseURL ?? URL(fileURLWithPath: "/"),
        apiKey: ProcessInfo.processInfo.environment["OPENAI_API_KEY"])

    private func model() async throws -> String {
        if let model = ProcessInfo.processInfo.environment["LOOP_TEST_OPENAI_MODEL"] { return model }
        return try #require(try await client.listModels().first)
    }

    @Test("a streamed answer brings tokens, usage and timing; a repeat reuses the prompt cache")
    func streamedChat() async throws {
        let model = try await model()
        var request = ChatRequest(
            model: model, messages: [ChatMessage(role: .user, content: "Count from 1 to 5.")], temperature: 0,
            seed: 1, maxTokens: 16)
        let tokens = TokenLog()
        let first = try await client.chat(request) { tokens.append($0) }
        #expect(!tokens.all.isEmpty)
        #expect(tokens.all.joined() == first.content)
        #expect(first.usage.promptTokens > 0 && first.usage.completionTokens > 0)
        let ttft = try #require(first.timeToFirstToken)
        #expect(ttft <= first.wallTime)
        request.maxTokens = 4
        let second = try await client.chat(request) { _ in }
        #expect((second.usage.cachedPromptTokens ?? 0) > 0)
    }

    @Test("a json_schema response format yields JSON of that shape")
    func schemaConstrained() async throws {
        let request = ChatRequest(
            model: try await model(),
            messages: [ChatMessage(role: .user, content: "Reply with the action to take: finish.")],
            responseSchema: .object([
                "type": .string("object"),
                "properties": .object([
                    "action": .object(["type": .string("string"), "enum": .array([.string("finish")])])
                ]),
                "required": .array([.string("action")]),
            ]), temperature: 0, maxTokens: 32)
        let response = try await client.chat(request) { _ in }
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(response.content.utf8))
        #expect(value["action"] == .string("finish"))
    }

    @Test("modelInfo reads the running context from /props; an oversized prompt is contextOverflow")
    func contextLimits() async throws {
        let model = try await model()
        let info = try await client.modelInfo(model)
        let context = try #require(info.contextLength)
        let huge = String(repeating: "word ", count: context * 2)
        await #expect {
            _ = try await client.chat(
                ChatRequest(model: model, messages: [ChatMessage(role: .user, content: huge)], maxTokens: 1)
            ) { _ in }
        } throws: { error in
            if case ModelError.contextOverflow = error { return true }
            return false
        }
    }
}

enum RealServer {
    static let baseURL = ProcessInfo.processInfo.environment["LOOP_TEST_OPENAI_BASE_URL"].map {
        OpenAIClient.resolveBaseURL($0)
    }
}
