import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

@Suite("Model errors", .timeLimit(.minutes(1)))
struct ModelErrorTests {
    @Test("no server: the message names the URL and how to start one", arguments: ["ollama", "openai"])
    func connectionRefused(provider: String) async throws {
        let port = try ScriptedHTTPServer.unusedPort()
        let base = try #require(URL(string: "http://127.0.0.1:\(port)" + (provider == "openai" ? "/v1" : "")))
        let model: any ChatModel =
            provider == "openai" ? OpenAIClient(baseURL: base, apiKey: "sk-secret") : OllamaClient(baseURL: base)
        do {
            _ = try await model.chat(chatRequest(model: "m")) { _ in }
            Issue.record("expected an error")
        } catch {
            #expect(
                error.localizedDescription
                    == "No model server answers at \(base.absoluteString). Start one (`ollama serve`, or "
                    + "`scripts/local-model start` in the loop source checkout) or set OLLAMA_HOST / OPENAI_BASE_URL.")
        }
        await #expect(throws: ModelError.serverUnreachable(endpoint: base.absoluteString)) {
            _ = try await model.listModels()
        }
    }

    @Test("a server that never answers gives a timeout error within the limit", arguments: ["ollama", "openai"])
    func neverAnswers(provider: String) async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.silent().repeating)
        let timeouts = ModelTimeouts(request: .milliseconds(200), firstRequest: .milliseconds(400))
        let model: any ChatModel =
            provider == "openai"
            ? OpenAIClient(baseURL: server.baseURL.appending(path: "v1"), timeouts: timeouts)
            : OllamaClient(baseURL: server.baseURL, timeouts: timeouts)
        let start = ContinuousClock.now
        do {
            _ = try await model.chat(chatRequest(model: "m")) { _ in }
            Issue.record("expected a timeout")
        } catch let error as ModelError {
            guard case .timedOut(let after, true, _) = error else { throw error }
            #expect(after == .milliseconds(400))
            #expect(error.errorDescription?.contains("did not start answering within 0.4 s") == true)
        }
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test("every message is one line and names the server")
    func oneLine() {
        let endpoint = "http://127.0.0.1:11434"
        let errors: [ModelError] = [
            .serverUnreachable(endpoint: endpoint),
            .unknownModel(name: "m", available: [], endpoint: endpoint),
            .contextOverflow(message: "too long", endpoint: endpoint),
            .rateLimited(retryAfter: nil, message: "slow", endpoint: endpoint),
            .rejected(status: 401, message: "bad key", endpoint: endpoint),
            .serverFailed(status: 500, message: "boom", endpoint: endpoint),
            .timedOut(after: .seconds(300), beforeFirstByte: false, endpoint: endpoint),
            .connectionLost(endpoint: endpoint),
            .badResponse(expected: "JSON", excerpt: "<html>", endpoint: endpoint),
            .streamError(message: "oom", endpoint: endpoint),
            .transportFailed(description: "TLS", endpoint: endpoint),
            .retriesExhausted(attempts: 4, last: .connectionLost(endpoint: endpoint)),
        ]
        for error in errors {
            let message = error.errorDescription ?? ""
            #expect(!message.contains("\n"), "\(message)")
            #expect(message.contains(endpoint), "\(message)")
        }
    }

    @Test("server messages are cut and flattened; credentials in the URL are not shown")
    func serverMessages() throws {
        let long = String(repeating: "word ", count: 200) + "\n<html>\n"
        #expect(ServerMessage.extract(from: Data(long.utf8)).count <= ServerMessage.limit + 1)
        #expect(
            ServerMessage.extract(from: Data(#"{"message":"vLLM says no","object":"error"}"#.utf8)) == "vLLM says no")
        #expect(ServerMessage.extract(from: Data(#"{"detail":"Not Found"}"#.utf8)) == "Not Found")
        #expect(ServerMessage.extract(from: Data()) == "no message")
        let url = try #require(URL(string: "https://user:hunter2@gateway.example.com/v1/?key=abc"))
        #expect(ServerMessage.display(url) == "https://gateway.example.com/v1")
    }
}
