import Foundation
import LoopCore
import Synchronization
import Testing
import LoopTestSupport

@testable import LoopAgent

/// Collects retry notices from the `@Sendable` callback.
private final class NoticeLog: Sendable {
    private let notices = Mutex<[RetryNotice]>([])
    var all: [RetryNotice] { notices.withLock { $0 } }
    func append(_ notice: RetryNotice) { notices.withLock { $0.append(notice) } }
}

@Suite("Retries", .timeLimit(.minutes(1)))
struct RetryTests {
    private let fast = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(20), maxDelay: .milliseconds(80))

    private func openAI(_ server: ScriptedHTTPServer, log: NoticeLog) -> RetryingChatModel {
        RetryingChatModel(
            OpenAIClient(baseURL: server.baseURL.appending(path: "v1"), timeouts: fastTimeouts), policy: fast,
            onRetry: log.append)
    }

    @Test("a 500 then a success is retried and returns the success")
    func serverErrorRetried() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.json(#"{"error":{"message":"upstream hiccup","type":"server_error"}}"#, status: 500))
        server.enqueue(.sse([OpenAI.content("fine"), OpenAI.finish("stop")]))
        let log = NoticeLog()
        let response = try await openAI(server, log: log).chat(chatRequest(model: OpenAI.model)) { _ in }
        #expect(response.content == "fine")
        #expect(server.requests.count == 2)
        let endpoint = server.baseURL.absoluteString + "/v1"
        #expect(
            log.all == [
                RetryNotice(
                    failedAttempt: 1, delay: .milliseconds(20),
                    error: .serverFailed(status: 500, message: "upstream hiccup", endpoint: endpoint))
            ])
    }

    @Test("a 429 waits as long as Retry-After says, not the (much shorter) backoff")
    func retryAfterHonoured() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(
            .json(#"{"error":{"message":"Rate limit reached"}}"#, status: 429, headers: [("Retry-After", "1")]))
        server.enqueue(.sse([OpenAI.content("ok"), OpenAI.finish("stop")]))
        let log = NoticeLog()
        let response = try await openAI(server, log: log).chat(chatRequest(model: OpenAI.model)) { _ in }
        #expect(response.content == "ok")
        let requests = server.requests
        try #require(requests.count == 2)
        let gap = requests[1].receivedAt - requests[0].receivedAt
        #expect(gap >= .milliseconds(950) && gap < .seconds(3), "gap \(gap)")
        #expect(log.all.first?.delay == .seconds(1))
        #expect(response.wallTime >= 0.95)
    }

    @Test("a 429 asking for longer than maxRetryAfter fails at once, saying how long")
    func retryAfterTooLong() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.json(#"{"error":"slow down"}"#, status: 429, headers: [("Retry-After", "3600")]))
        do {
            _ = try await openAI(server, log: NoticeLog()).chat(chatRequest(model: OpenAI.model)) { _ in }
            Issue.record("expected an error")
        } catch let error as ModelError {
            guard case .rateLimited(.some(let after), _, _) = error else { throw error }
            #expect(after == .seconds(3600))
            #expect(error.errorDescription?.contains("3600 s") == true)
        }
        #expect(server.requests.count == 1)
    }

    @Test("a connection dropped mid-stream is retried; onRetry tells the caller to discard the partial text")
    func disconnectRetried() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(
            .init(
                path: "/api/chat", status: 200, headers: [("Content-Type", "application/x-ndjson")],
                steps: [.send(Data((Ollama.chunk("partial ") + "\n").utf8)), .pause(.milliseconds(20)), .drop],
                framing: .chunked))
        server.enqueue(.ndjson([Ollama.chunk("whole "), Ollama.chunk("answer"), Ollama.done()]))
        let events = TokenLog()
        let model = RetryingChatModel(
            OllamaClient(baseURL: server.baseURL, timeouts: fastTimeouts), policy: fast,
            onRetry: { events.append("<retry after attempt \($0.failedAttempt)>") })
        let response = try await model.chat(chatRequest(model: Ollama.model)) { events.append($0) }
        #expect(response.content == "whole answer")
        #expect(events.all == ["partial ", "<retry after attempt 1>", "whole ", "answer"])
        #expect(server.requests.count == 2)
    }

    @Test("4xx other than 408 and 429 is never retried", arguments: [400, 401, 403, 404, 422])
    func clientErrorsNotRetried(status: Int) async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.json(#"{"error":{"message":"nope"}}"#, status: status).repeating)
        let log = NoticeLog()
        await #expect(throws: ModelError.self) {
            _ = try await openAI(server, log: log).chat(chatRequest(model: OpenAI.model)) { _ in }
        }
        #expect(server.requests.filter { $0.path == "/v1/chat/completions" }.count == 1)
        #expect(log.all.isEmpty)
    }

    @Test("408 is retried")
    func requestTimeoutRetried() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.json(#"{"error":"request timeout"}"#, status: 408))
        server.enqueue(.sse([OpenAI.content("ok"), OpenAI.finish("stop")]))
        let response = try await openAI(server, log: NoticeLog()).chat(chatRequest(model: OpenAI.model)) { _ in }
        #expect(response.content == "ok")
    }

    @Test("after maxAttempts the failure says how many attempts were made, with backoff growing between them")
    func exhausted() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.json(#"{"error":"model runner has unexpectedly stopped"}"#, status: 503).repeating)
        let log = NoticeLog()
        do {
            _ = try await openAI(server, log: log).chat(chatRequest(model: OpenAI.model)) { _ in }
            Issue.record("expected an error")
        } catch let error as ModelError {
            guard case .retriesExhausted(4, .serverFailed(503, _, _)) = error else { throw error }
            let message = try #require(error.errorDescription)
            #expect(message.hasPrefix("Gave up after 4 attempts."))
            #expect(message.contains("model runner has unexpectedly stopped"))
        }
        #expect(server.requests.count == 4)
        #expect(log.all.map(\.delay) == [.milliseconds(20), .milliseconds(40), .milliseconds(80)])
    }

    @Test("a refused connection is not retried")
    func refusedNotRetried() async throws {
        let port = try ScriptedHTTPServer.unusedPort()
        let log = NoticeLog()
        let model = RetryingChatModel(
            OllamaClient(baseURL: try #require(URL(string: "http://127.0.0.1:\(port)"))), policy: fast,
            onRetry: log.append)
        await #expect(throws: ModelError.serverUnreachable(endpoint: "http://127.0.0.1:\(port)")) {
            _ = try await model.chat(chatRequest(model: Ollama.model)) { _ in }
        }
        #expect(log.all.isEmpty)
    }

    @Test("backoff doubles from the base and stops at the cap")
    func backoff() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .seconds(1), maxDelay: .seconds(30))
        let error = ModelError.connectionLost(endpoint: "x")
        #expect(
            (1...7).map { policy.delay(after: error, attempt: $0) } == [1, 2, 4, 8, 16, 30, 30].map { .seconds($0) })
        #expect(policy.delay(after: error, attempt: 10) == nil)
        #expect(policy.delay(after: .rejected(status: 400, message: "", endpoint: "x"), attempt: 1) == nil)
        #expect(
            policy.delay(after: .timedOut(after: .seconds(1), beforeFirstByte: true, endpoint: "x"), attempt: 1) == nil)
    }

    @Test("Retry-After is read as seconds or as an HTTP date")
    func retryAfterParsing() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2015-10-21T07:27:30Z"))
        #expect(RetryAfter.parse("120", now: now) == .seconds(120))
        #expect(RetryAfter.parse(" 0 ", now: now) == .zero)
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:00:00 GMT", now: now) == .zero)
        #expect(RetryAfter.parse("soon", now: now) == nil)
        #expect(RetryAfter.parse("-5", now: now) == nil)
    }
}
