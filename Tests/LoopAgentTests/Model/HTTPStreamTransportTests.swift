import Foundation
import Testing
import LoopTestSupport

@testable import LoopAgent

@Suite("HTTP stream transport", .timeLimit(.minutes(1)))
struct HTTPStreamTransportTests {
    private let transport = HTTPStreamTransport()

    private func post(
        _ server: ScriptedHTTPServer, _ path: String = "/stream", firstByte: Duration = .seconds(10),
        idle: Duration = .seconds(10)
    ) -> HTTPRequest {
        HTTPRequest(
            method: "POST", url: server.baseURL.appending(path: path), headers: ["X-Probe": "yes"],
            body: Data(#"{"hello":"world"}"#.utf8), firstByteTimeout: firstByte, idleTimeout: idle)
    }

    @Test("chunks arrive one by one while the server is still sending")
    func streamsIncrementally() async throws {
        let server = try ScriptedHTTPServer()
        let gate = ScriptedHTTPServer.Gate()
        server.enqueue(
            .init(
                path: "/stream", status: 200, headers: [],
                steps: [.send(Data("first\n".utf8)), .wait(gate), .send(Data("second\n".utf8))], framing: .chunked))
        var chunks: [String] = []
        for try await chunk in transport.stream(post(server)) {
            chunks.append(String(decoding: chunk, as: UTF8.self))
            gate.open()
        }
        #expect(chunks == ["first\n", "second\n"])
        #expect(gate.wasOpenInTime == true, "the first chunk must reach the caller before the server sends the second")
    }

    @Test("method, path, headers and JSON body reach the server")
    func sendsRequest() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.json("{}"))
        _ = try await transport.data(post(server, "/api/chat"))
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/api/chat")
        #expect(request.headers["x-probe"] == "yes")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.object["hello"] as? String == "world")
    }

    @Test(
        "a non-2xx answer throws its status, headers and whole body",
        arguments: [ScriptedHTTPServer.Framing.contentLength, .chunked, .closeDelimited])
    func statusError(framing: ScriptedHTTPServer.Framing) async throws {
        let server = try ScriptedHTTPServer()
        let body = #"{"error":"model \"nope\" not found, try pulling it first"}"#
        server.enqueue(
            .init(
                path: nil, status: 404, headers: [("Content-Type", "application/json")],
                steps: [
                    .send(Data(body.prefix(20).utf8)), .pause(.milliseconds(20)), .send(Data(body.dropFirst(20).utf8)),
                ],
                framing: framing))
        do {
            _ = try await transport.data(post(server))
            Issue.record("expected an error")
        } catch HTTPTransportError.status(let code, let headers, let received) {
            #expect(code == 404)
            #expect(headers["content-type"] == "application/json")
            #expect(String(decoding: received, as: UTF8.self) == body)
        }
    }

    @Test("a refused connection is cannotConnect")
    func refused() async throws {
        let port = try ScriptedHTTPServer.unusedPort()
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/api/tags"))
        await #expect {
            _ = try await transport.data(HTTPRequest(method: "GET", url: url))
        } throws: { error in
            if case HTTPTransportError.cannotConnect = error { return true }
            return false
        }
    }

    @Test("a reset mid-body, a short sized body and a reset before the status line are connectionLost")
    func connectionLost() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(
            .init(
                path: "/reset", status: 200, headers: [], steps: [.send(Data("partial".utf8)), .drop], framing: .chunked
            ))
        server.enqueue(
            .init(
                path: "/short", status: 200, headers: [("Content-Length", "100")], steps: [.send(Data("partial".utf8))],
                framing: .closeDelimited))
        server.enqueue(.init(path: "/empty", status: 200, headers: [], steps: [.drop], framing: .chunked))
        for path in ["/reset", "/short", "/empty"] {
            await #expect(Comment(rawValue: path)) {
                _ = try await transport.data(post(server, path))
            } throws: { error in
                if case HTTPTransportError.connectionLost = error { return true }
                return false
            }
        }
    }

    @Test("a server that never answers times out at the first-byte limit")
    func firstByteTimeout() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.silent())
        let start = ContinuousClock.now
        do {
            _ = try await transport.data(post(server, firstByte: .milliseconds(300)))
            Issue.record("expected a timeout")
        } catch HTTPTransportError.timedOut(let after, let beforeFirstByte) {
            #expect(after == .milliseconds(300))
            #expect(beforeFirstByte)
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(3))
    }

    @Test("a stream that stalls midway times out at the idle limit")
    func idleTimeout() async throws {
        let server = try ScriptedHTTPServer()
        let never = ScriptedHTTPServer.Gate()
        defer { never.open() }
        server.enqueue(
            .init(
                path: nil, status: 200, headers: [], steps: [.send(Data("a\n".utf8)), .wait(never)], framing: .chunked))
        var received = 0
        do {
            for try await chunk in transport.stream(post(server, idle: .milliseconds(300))) { received += chunk.count }
            Issue.record("expected a timeout")
        } catch HTTPTransportError.timedOut(_, let beforeFirstByte) {
            #expect(!beforeFirstByte)
        }
        #expect(received == 2)
    }

    @Test("a consumer that stops reading early closes the connection")
    func earlyStop() async throws {
        let server = try ScriptedHTTPServer()
        let never = ScriptedHTTPServer.Gate()
        defer { never.open() }
        server.enqueue(
            .init(
                path: nil, status: 200, headers: [], steps: [.send(Data("a\n".utf8)), .wait(never)], framing: .chunked))
        for try await _ in transport.stream(post(server)) { break }
        let deadline = ContinuousClock.now + .seconds(3)
        while server.closedConnections == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(server.closedConnections == 1)
    }

    @Test("cancelling the calling task cancels the request")
    func cancellation() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.silent())
        let request = post(server)
        let transport = transport
        let task = Task { try await transport.data(request) }
        try await Task.sleep(for: .milliseconds(200))
        let start = ContinuousClock.now
        task.cancel()
        let result = await task.result
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(throws: CancellationError.self) { try result.get() }
        // The socket closes too: the request is cancelled, not just abandoned.
        let deadline = ContinuousClock.now + .seconds(3)
        while server.closedConnections == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(server.closedConnections == 1)
    }
}

@Suite("HTTP stream transport, large and repeated", .timeLimit(.minutes(1)))
struct HTTPStreamTransportVolumeTests {
    @Test("a 3 MB request body arrives whole")
    func largeBody() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.json("{}"))
        let body = Data(repeating: UInt8(ascii: "x"), count: 3_000_000)
        let url = server.baseURL.appending(path: "/big")
        _ = try await HTTPStreamTransport().data(HTTPRequest(method: "POST", url: url, body: body))
        #expect(server.requests.first?.body == body)
    }

    @Test("every request's connection is closed once its stream ends")
    func connectionsClosed() async throws {
        let server = try ScriptedHTTPServer()
        server.enqueue(.ndjson(["{\"a\":1}", "{\"b\":2}"]).repeating)
        let transport = HTTPStreamTransport()
        let url = server.baseURL.appending(path: "/x")
        for _ in 0..<50 { _ = try await transport.data(HTTPRequest(method: "GET", url: url)) }
        let deadline = ContinuousClock.now + .seconds(3)
        while server.closedConnections < 50, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(server.requests.count == 50)
        #expect(server.closedConnections == 50, "a session left its keep-alive connection open")
    }
}
