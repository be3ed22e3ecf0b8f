import Dispatch
public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real HTTP/1.1 server on 127.0.0.1 (ephemeral port) that answers from a script.
///
/// Each test queues the responses it wants (status, headers, body chunks with pauses, chunked,
/// sized or close-delimited framing, a dropped connection, or no answer at all) and reads back
/// the requests the client sent. The clients under test go through the real URLSession stack,
/// so what passes here passes against a real server speaking the same bytes.
public final class ScriptedHTTPServer: Sendable {
    /// A request as the server received it.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Header names in lower case.
        public var headers: [String: String]
        public var body: Data
        public var receivedAt: ContinuousClock.Instant

        /// The body parsed as JSON (nil when it is not JSON).
        public var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        /// The body as an object, `[:]` when it is not one.
        public var object: [String: Any] { json as? [String: Any] ?? [:] }
    }

    /// How the end of the body is marked.
    public enum Framing: Sendable {
        case chunked
        case contentLength
        /// No length; the server closes the connection after the body (HTTP/1.0 style).
        case closeDelimited
    }

    /// One thing the server does while writing a body.
    public enum Step: Sendable {
        case send(Data)
        case pause(Duration)
        /// Waits (up to 5 s) until the test opens the gate.
        case wait(Gate)
        /// Resets the connection (RST) without finishing the body; as the first step, before
        /// any status line.
        case drop
    }

    /// A scripted answer to one request.
    public struct Response: Sendable {
        /// Only requests to this path get this response; nil matches any path.
        public var path: String?
        public var status: Int
        public var headers: [(String, String)]
        public var steps: [Step]
        public var framing: Framing
        /// Read the request and never answer (to test timeouts).
        public var isSilent: Bool = false
        /// Stays in the queue after use.
        public var isRepeating: Bool = false

        public init(
            path: String?, status: Int, headers: [(String, String)], steps: [Step], framing: Framing,
            isSilent: Bool = false, isRepeating: Bool = false
        ) {
            self.path = path
            self.status = status
            self.headers = headers
            self.steps = steps
            self.framing = framing
            self.isSilent = isSilent
            self.isRepeating = isRepeating
        }
    }

    /// A one-shot signal from the test to the server thread.
    public final class Gate: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        private let state = Mutex<(isOpen: Bool, wasOpenInTime: Bool?)>((false, nil))

        public init() {}

        public func open() {
            let isFirst = state.withLock { state -> Bool in
                defer { state.isOpen = true }
                return !state.isOpen
            }
            if isFirst { semaphore.signal() }
        }

        /// Whether the server found the gate open before its wait ran out (nil: never waited).
        public var wasOpenInTime: Bool? { state.withLock { $0.wasOpenInTime } }

        /// Waits until the gate opens (true), 5 s pass or `isAbandoned` says to stop (false).
        fileprivate func wait(isAbandoned: () -> Bool) -> Bool {
            let deadline = DispatchTime.now() + 5
            var isOpen = false
            while !isOpen, DispatchTime.now() < deadline, !isAbandoned() {
                isOpen = semaphore.wait(timeout: .now() + .milliseconds(50)) == .success
            }
            state.withLock { $0.wasOpenInTime = isOpen }
            return isOpen
        }
    }

    private let core: ServerCore

    /// Starts listening on 127.0.0.1, on `port` (0: one the kernel picks; a fixed one lets a
    /// test bring a server "back" where clients expect it). `handler` answers the requests no
    /// scripted response matches (nil from it: a 418 naming the request).
    public init(port: UInt16 = 0, handler: (@Sendable (Request) -> Response?)? = nil) throws {
        core = try ServerCore(port: port, handler: handler)
        let core = core
        Thread.detachNewThread { core.acceptLoop() }
    }

    deinit { core.stop() }

    public var port: UInt16 { core.port }
    /// `http://127.0.0.1:<port>`
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)") ?? URL(fileURLWithPath: "/") }

    /// Adds a response to the end of the script.
    public func enqueue(_ response: Response) { core.script.withLock { $0.append(response) } }

    /// The requests received so far, oldest first.
    public var requests: [Request] { core.requests.withLock { $0 } }

    /// How many connections have ended (closed by either side).
    public var closedConnections: Int { core.closedConnections.load(ordering: .acquiring) }

    /// Stops accepting and ends every open connection.
    public func stop() { core.stop() }

    /// A port on 127.0.0.1 where nothing listens (bound, read, closed).
    public static func unusedPort() throws -> UInt16 {
        let core = try ServerCore(listening: false)
        defer { core.closeListener() }
        return core.port
    }
}

// MARK: - Response builders

extension ScriptedHTTPServer.Response {
    /// A JSON body sent in one piece with a Content-Length.
    public static func json(_ body: String, status: Int = 200, path: String? = nil, headers: [(String, String)] = [])
        -> Self
    {
        Self(
            path: path, status: status, headers: [("Content-Type", "application/json; charset=utf-8")] + headers,
            steps: [.send(Data(body.utf8))], framing: .contentLength)
    }

    /// Ollama-style NDJSON: one line per chunk, chunked transfer encoding, `pause` between lines.
    public static func ndjson(_ lines: [String], pause: Duration = .zero, path: String? = nil) -> Self {
        Self(
            path: path, status: 200, headers: [("Content-Type", "application/x-ndjson")],
            steps: interleave(lines.map { .send(Data(($0 + "\n").utf8)) }, pause: pause), framing: .chunked)
    }

    /// OpenAI-style SSE: one `data:` event per payload, then `data: [DONE]`.
    public static func sse(_ payloads: [String], pause: Duration = .zero, path: String? = nil, done: Bool = true) -> Self {
        let events = (payloads + (done ? ["[DONE]"] : [])).map { "data: \($0)\n\n" }
        return Self(
            path: path, status: 200,
            headers: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")],
            steps: interleave(events.map { .send(Data($0.utf8)) }, pause: pause), framing: .chunked)
    }

    /// Reads the request and never answers.
    public static func silent(path: String? = nil) -> Self {
        Self(path: path, status: 200, headers: [], steps: [], framing: .chunked, isSilent: true)
    }

    /// This response, kept in the queue for every later matching request.
    public var repeating: Self {
        var copy = self
        copy.isRepeating = true
        return copy
    }

    private static func interleave(_ sends: [ScriptedHTTPServer.Step], pause: Duration)
        -> [ScriptedHTTPServer.Step]
    {
        guard pause > .zero else { return sends }
        return sends.flatMap { [$0, .pause(pause)] }.dropLast()
    }
}

// MARK: - Core

/// The listening socket, the script and the record, shared with the server threads.
private final class ServerCore: Sendable {
    let listener: Int32
    let port: UInt16
    let script = Mutex<[ScriptedHTTPServer.Response]>([])
    let requests = Mutex<[ScriptedHTTPServer.Request]>([])
    let closedConnections = Atomic<Int>(0)
    let handler: (@Sendable (ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response?)?
    private let isStopped = Atomic<Bool>(false)

    init(port requestedPort: UInt16 = 0, listening: Bool = true, handler: (@Sendable (ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response?)? = nil) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError.socket("socket", errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = requestedPort.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            close(fd)
            throw ServerError.socket("bind", errno)
        }
        if listening, listen(fd, 64) != 0 {
            close(fd)
            throw ServerError.socket("listen", errno)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        self.port = UInt16(bigEndian: address.sin_port)
    }

    var stopped: Bool { isStopped.load(ordering: .acquiring) }

    func stop() { isStopped.store(true, ordering: .releasing) }

    func closeListener() { close(listener) }

    func acceptLoop() {
        defer { closeListener() }
        while !stopped {
            guard waitReadable(listener) else { continue }
            let client = accept(listener, nil, nil)
            if client < 0 { continue }
            Thread.detachNewThread { [self] in ServerConnection(fd: client, core: self).run() }
        }
    }

    /// Waits up to 50 ms for `fd` to become readable, so loops notice `stop()` quickly.
    func waitReadable(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 50) > 0
    }

    /// Takes the first scripted response for `path` (leaving repeating ones in place).
    func nextResponse(for path: String) -> ScriptedHTTPServer.Response? {
        script.withLock { script in
            guard let index = script.firstIndex(where: { $0.path == nil || $0.path == path }) else { return nil }
            let response = script[index]
            if !response.isRepeating { script.remove(at: index) }
            return response
        }
    }
}

public enum ServerError: Error, CustomStringConvertible {
    case socket(String, Int32)

    public var description: String {
        switch self {
        case .socket(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
        }
    }
}

// MARK: - Connection

/// One client connection: reads requests, answers each from the script (keep-alive).
private final class ServerConnection {
    private let fd: Int32
    private let core: ServerCore
    private var buffer = Data()

    init(fd: Int32, core: ServerCore) {
        self.fd = fd
        self.core = core
    }

    func run() {
        defer {
            close(fd)
            core.closedConnections.add(1, ordering: .releasing)
        }
        while !core.stopped {
            guard let request = readRequest() else { return }
            core.requests.withLock { $0.append(request) }
            let path = String(request.path.prefix { $0 != "?" })
            guard let response = core.nextResponse(for: path) ?? core.handler?(request) else {
                let body = "no scripted response for \(request.method) \(request.path)"
                let unscripted = ScriptedHTTPServer.Response(
                    path: nil, status: 418, headers: [], steps: [.send(Data(body.utf8))], framing: .contentLength)
                guard respond(unscripted) else { return }
                continue
            }
            if response.isSilent {
                waitUntilClosed()
                return
            }
            guard respond(response), response.framing != .closeDelimited,
                request.headers["connection"]?.lowercased() != "close"
            else { return }
        }
    }

    // MARK: Reading

    private func readRequest() -> ScriptedHTTPServer.Request? {
        guard let headEnd = readUntil(Data("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: buffer.prefix(headEnd), as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if headers["expect"]?.lowercased() == "100-continue" {
            guard write(Data("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return nil }
        }
        var body = Data()
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            while true {
                guard let lineEnd = readUntil(Data("\r\n".utf8)) else { return nil }
                let sizeText = String(decoding: buffer.prefix(lineEnd), as: UTF8.self).split(separator: ";").first
                buffer.removeFirst(lineEnd + 2)
                guard let size = Int(sizeText.map(String.init) ?? "", radix: 16) else { return nil }
                guard fill(size + 2) else { return nil }
                body.append(buffer.prefix(size))
                buffer.removeFirst(size + 2)
                if size == 0 { break }
            }
        } else if let length = Int(headers["content-length"] ?? "0"), length > 0 {
            guard fill(length) else { return nil }
            body = Data(buffer.prefix(length))
            buffer.removeFirst(length)
        }
        return ScriptedHTTPServer.Request(
            method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body,
            receivedAt: .now)
    }

    /// Reads until `marker` is in the buffer; returns its offset, or nil when the peer closed.
    private func readUntil(_ marker: Data) -> Int? {
        while true {
            if let range = buffer.firstRange(of: marker) { return range.lowerBound - buffer.startIndex }
            guard readMore() else { return nil }
        }
    }

    private func fill(_ count: Int) -> Bool {
        while buffer.count < count {
            guard readMore() else { return false }
        }
        return true
    }

    private func readMore() -> Bool {
        while !core.stopped {
            guard core.waitReadable(fd) else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { return false }
            buffer = Data(buffer) + chunk.prefix(count)
            return true
        }
        return false
    }

    private func waitUntilClosed() {
        while readMore() { buffer.removeAll() }
    }

    // MARK: Writing

    private func respond(_ response: ScriptedHTTPServer.Response) -> Bool {
        if case .drop = response.steps.first {
            resetOnClose()
            return false
        }
        var head = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        switch response.framing {
        case .chunked:
            head += "Transfer-Encoding: chunked\r\n"
        case .contentLength:
            let length = response.steps.reduce(0) { total, step in
                if case .send(let data) = step { return total + data.count }
                return total
            }
            head += "Content-Length: \(length)\r\n"
        case .closeDelimited:
            head += "Connection: close\r\n"
        }
        guard write(Data((head + "\r\n").utf8)) else { return false }
        for step in response.steps {
            switch step {
            case .send(let data):
                let framed =
                    response.framing == .chunked
                    ? Data((String(data.count, radix: 16) + "\r\n").utf8) + data + Data("\r\n".utf8) : data
                guard data.isEmpty || write(framed) else { return false }
            case .pause(let duration):
                let end = ContinuousClock.now + duration
                while ContinuousClock.now < end {
                    if isPeerClosed() { return false }
                    let left = end - ContinuousClock.now
                    let leftSeconds = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
                    Thread.sleep(forTimeInterval: min(0.02, leftSeconds))
                }
            case .wait(let gate):
                if !gate.wait(isAbandoned: { isPeerClosed() || core.stopped }), isPeerClosed() { return false }
            case .drop:
                resetOnClose()
                return false
            }
        }
        if response.framing == .chunked { return write(Data("0\r\n\r\n".utf8)) }
        return true
    }

    /// Whether the client has closed its end (so a waiting response can give up).
    private func isPeerClosed() -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 0) > 0 else { return false }
        if entry.revents & Int16(POLLHUP | POLLERR) != 0 { return true }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) <= 0
    }

    /// Makes the coming `close` send a TCP reset instead of an orderly FIN.
    private func resetOnClose() {
        var reset = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size))
    }

    private func write(_ data: Data) -> Bool {
        data.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return true }
            var offset = 0
            while offset < raw.count {
                let sent = send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent <= 0 { return false }
                offset += sent
            }
            return true
        }
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 418: "I'm a teapot"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
