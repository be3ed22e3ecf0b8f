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

@Suite("HTTP stream transport, socket client details", .timeLimit(.minutes(1)))
struct HTTPSocketClientTests {
    /// The body the parser reads from `wire` fed in pieces of `step` bytes, and whether it ended.
    private func parse(_ wire: String, step: Int, closeAtEnd: Bool = false) throws -> (String, Bool) {
        var parser = HTTPResponseParser()
        let bytes = Array(wire.utf8)
        var body = Data()
        var ended = false
        var events: [HTTPResponseParser.Event] = []
        for start in stride(from: 0, to: bytes.count, by: step) {
            events += try parser.feed(bytes[start..<min(start + step, bytes.count)])
        }
        if closeAtEnd { events += try parser.finish() }
        for event in events {
            if case .body(let data) = event { body.append(data) }
            if case .end = event { ended = true }
        }
        return (String(decoding: body, as: UTF8.self), ended)
    }

    @Test("the parser reads chunked, sized and close-delimited bodies however the bytes are split")
    func parserFramings() throws {
        let chunked =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6;x=y\r\nfirst\n\r\n7\r\nsecond\n\r\n0\r\nX-T: 1\r\n\r\n"
        let sized = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
        let closed = "HTTP/1.0 200 OK\nContent-Type: text/plain\n\nuntil the end"
        for step in [1, 2, 3, 7, 1000] {
            #expect(try parse(chunked, step: step) == ("first\nsecond\n", true))
            #expect(try parse(sized, step: step) == ("hello", true))
            #expect(try parse(closed, step: step, closeAtEnd: true) == ("until the end", true))
        }
    }

    @Test("the parser reports status and headers once, and an early close as truncation")
    func parserHeadAndTruncation() throws {
        var parser = HTTPResponseParser()
        let events = try parser.feed(
            Array("HTTP/1.1 429 Too Many\r\nRetry-After: 3\r\nContent-Length: 9\r\n\r\nslow".utf8))
        #expect(events.first == .head(status: 429, headers: ["retry-after": "3", "content-length": "9"]))
        #expect(throws: HTTPResponseParser.Failure.truncated(receivedNothing: false)) { try parser.finish() }
        var empty = HTTPResponseParser()
        #expect(throws: HTTPResponseParser.Failure.truncated(receivedNothing: true)) { try empty.finish() }
        var garbage = HTTPResponseParser()
        #expect(throws: HTTPResponseParser.Failure.self) { try garbage.feed(Array("SSH-2.0-OpenSSH\r\n\r\n".utf8)) }
    }

    @Test("a redirect is followed, as URLSession does")
    func redirect() async throws {
        let server = try ScriptedHTTPServer()
        let target = server.baseURL.appending(path: "/new").absoluteString
        // Repeating: the socket client hands the whole request over to URLSession, which sends it again.
        server.enqueue(
            .init(path: "/old", status: 307, headers: [("Location", target)], steps: [], framing: .contentLength)
                .repeating)
        server.enqueue(.json(#"{"moved":true}"#, path: "/new"))
        let data = try await HTTPStreamTransport().data(
            HTTPRequest(method: "GET", url: server.baseURL.appending(path: "/old")))
        #expect(String(decoding: data, as: UTF8.self) == #"{"moved":true}"#)
    }

    @Test("requests that curl would send through a proxy are left to URLSession")
    func proxyRule() {
        let proxy = ["http_proxy": "http://proxy:3128"]
        #expect(!HTTPStreamTransport.isProxied(host: "127.0.0.1", environment: [:]))
        #expect(HTTPStreamTransport.isProxied(host: "127.0.0.1", environment: proxy))
        #expect(
            !HTTPStreamTransport.isProxied(
                host: "127.0.0.1", environment: proxy.merging(["no_proxy": "localhost,127.0.0.1"]) { $1 }))
        #expect(
            !HTTPStreamTransport.isProxied(host: "gpu.lan", environment: proxy.merging(["NO_PROXY": ".lan"]) { $1 }))
        #expect(!HTTPStreamTransport.isProxied(host: "anything", environment: proxy.merging(["no_proxy": "*"]) { $1 }))
        #expect(!HTTPStreamTransport.isProxied(host: "x", environment: ["http_proxy": " "]))
    }
}
