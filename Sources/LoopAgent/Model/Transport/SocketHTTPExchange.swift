#if canImport(Glibc)
    import Foundation
    import Glibc
    import Synchronization

    /// One plain-`http` request over a POSIX socket, on a thread of its own that sleeps in
    /// `poll` until the socket, the deadline or a cancel wakes it.
    ///
    /// Why not URLSession: on Linux, FoundationNetworking arms a libdispatch *write* source for
    /// the socket while libcurl connects and sends, and never cancels it when libcurl then only
    /// wants to read (its `_SocketSources.createSources` adds sources, only an unregister removes
    /// them). A connected socket is always writable, so while the server thinks, that source fires
    /// without pause and each firing runs `curl_multi_socket_action` for nothing: 80–90 % of a
    /// core for as long as the answer takes (bench/agent/SPIN.md). No configuration avoids it.
    ///
    /// Same contract as the URLSession path: the body is yielded as it arrives; a non-2xx body is
    /// collected whole and thrown as `HTTPTransportError.status`; the first-byte and idle limits
    /// are separate. It sends `Connection: close`, so every stream closes its connection.
    final class SocketHTTPExchange: Sendable {
        /// What `run` ends with.
        private enum Outcome {
            case finished
            /// A 3xx with a `Location`: URLSession knows how to follow it.
            case redirect
        }

        /// Error bodies longer than this are cut; a message never needs more.
        private static let errorBodyLimit = 64 * 1024

        private let request: HTTPRequest
        private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
        private let started = ContinuousClock.now
        /// A connected pair: `poll` watches `read` beside the socket; `cancel()` writes to `write`.
        private let wake: (read: Int32, write: Int32)
        private let isWakeOpen = Mutex(true)
        private let isCancelled = Atomic(false)
        /// The URLSession stream a redirect was handed to, to cancel with this one.
        private let handedOver = Mutex<Task<Void, Never>?>(nil)

        /// Starts `request`; its body goes to `continuation`, which this exchange finishes.
        ///
        /// - Returns: nil when no wake pair could be made (out of descriptors); nothing started.
        static func start(
            _ request: HTTPRequest, continuation: AsyncThrowingStream<Data, any Error>.Continuation
        ) -> SocketHTTPExchange? {
            var fds: [Int32] = [-1, -1]
            // A socket pair rather than a pipe: Glibc's module has no `pipe2`, and the
            // close-on-exec flag must be set atomically (the agent starts tools concurrently).
            let type = Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
            guard socketpair(AF_UNIX, type, 0, &fds) == 0 else { return nil }
            let exchange = SocketHTTPExchange(request, continuation: continuation, wake: (fds[0], fds[1]))
            Thread.detachNewThread { exchange.run() }
            return exchange
        }

        private init(
            _ request: HTTPRequest, continuation: AsyncThrowingStream<Data, any Error>.Continuation,
            wake: (read: Int32, write: Int32)
        ) {
            self.request = request
            self.continuation = continuation
            self.wake = wake
        }

        /// Stops the exchange and closes its connection; safe from any thread, any number of times.
        func cancel() {
            isCancelled.store(true, ordering: .releasing)
            isWakeOpen.withLock { isOpen in
                guard isOpen else { return }
                var byte: UInt8 = 1
                _ = write(wake.write, &byte, 1)
            }
            handedOver.withLock { $0?.cancel() }
        }

        // MARK: - The thread

        private func run() {
            let outcome: Result<Outcome, any Error>
            do {
                outcome = .success(try exchange())
            } catch {
                outcome = .failure(error)
            }
            isWakeOpen.withLock { isOpen in
                isOpen = false
                close(wake.read)
                close(wake.write)
            }
            switch outcome {
            case .success(.finished):
                continuation.finish()
            case .success(.redirect):
                handOverToURLSession()
            case .failure(let error):
                let isCancelled = isCancelled.load(ordering: .acquiring)
                continuation.finish(throwing: isCancelled ? CancellationError() : error)
            }
        }

        /// Sends the request and streams the answer; blocks this thread (in `poll`) throughout.
        private func exchange() throws -> Outcome {
            let target = try Target(request.url)
            var clock = Deadlines(
                started: started, firstByteTimeout: request.firstByteTimeout, idleTimeout: request.idleTimeout)
            let addresses = try Self.resolve(target)
            let fd = try connect(addresses, target: target, clock: clock)
            defer { close(fd) }
            try send(requestBytes(target), on: fd, clock: clock)

            var parser = HTTPResponseParser(isHeadRequest: request.method.uppercased() == "HEAD")
            var status = 200
            var headers: [String: String] = [:]
            var errorBody = Data()
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                try wait(fd, for: Int16(POLLIN), clock: clock)
                let count = recv(fd, &buffer, buffer.count, 0)
                if count < 0 {
                    if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                    throw HTTPTransportError.connectionLost(
                        underlying: SocketError("receive", errno: errno, at: target.description))
                }
                let events: [HTTPResponseParser.Event]
                do throws(HTTPResponseParser.Failure) {
                    events = count == 0 ? try parser.finish() : try parser.feed(buffer[0..<count])
                } catch {
                    switch error {
                    case .truncated(let receivedNothing):
                        let what = receivedNothing ? "server closed without answering" : "server closed mid-answer"
                        throw HTTPTransportError.connectionLost(underlying: SocketError(what, at: target.description))
                    case .malformed(let what):
                        throw HTTPTransportError.failed(
                            underlying: SocketError("bad response: \(what)", at: target.description))
                    }
                }
                var body = Data()
                for event in events {
                    switch event {
                    case .head(let code, let fields):
                        if (300..<400).contains(code), code != 304, fields["location"] != nil { return .redirect }
                        (status, headers) = (code, fields)
                    case .body(let bytes):
                        body.append(bytes)
                    case .end:
                        break
                    }
                }
                if !body.isEmpty {
                    clock.lastByte = .now
                    if (200..<300).contains(status) {
                        continuation.yield(body)
                    } else {
                        errorBody.append(body.prefix(max(0, Self.errorBodyLimit - errorBody.count)))
                    }
                }
                if parser.isComplete { break }
            }
            guard (200..<300).contains(status) else {
                throw HTTPTransportError.status(code: status, headers: headers, body: errorBody)
            }
            return .finished
        }

        /// Follows a redirect the way the URLSession transport does, by handing it the request.
        private func handOverToURLSession() {
            let stream = HTTPStreamTransport.urlSessionStream(request)
            let continuation = continuation
            let task = Task {
                do {
                    for try await chunk in stream { continuation.yield(chunk) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            handedOver.withLock { $0 = task }
            if isCancelled.load(ordering: .acquiring) { task.cancel() }
        }

        // MARK: - Socket steps

        /// Waits until `fd` is ready for `events`.
        ///
        /// - Throws: `CancellationError` after `cancel()`, `HTTPTransportError.timedOut` at the
        ///   current limit.
        private func wait(_ fd: Int32, for events: Int16, clock: Deadlines) throws {
            while true {
                if isCancelled.load(ordering: .acquiring) { throw CancellationError() }
                let (deadline, beforeFirstByte) = clock.current
                let left = ContinuousClock.now.duration(to: deadline)
                if left <= .zero {
                    throw HTTPTransportError.timedOut(
                        after: beforeFirstByte ? request.firstByteTimeout : request.idleTimeout,
                        beforeFirstByte: beforeFirstByte)
                }
                var fds = [
                    pollfd(fd: fd, events: events, revents: 0),
                    pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
                ]
                let ready = poll(&fds, 2, Self.milliseconds(left))
                if ready < 0, errno != EINTR {
                    throw HTTPTransportError.failed(underlying: SocketError("poll", errno: errno))
                }
                if fds[1].revents != 0 { throw CancellationError() }
                // An error or hang-up counts as ready: the next call on the socket reports it.
                if fds[0].revents != 0 { return }
            }
        }

        private static func milliseconds(_ duration: Duration) -> Int32 {
            let (seconds, attoseconds) = duration.components
            let total = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
            return Int32(clamping: max(1, total))
        }

        /// Connects to the first address that accepts.
        private func connect(_ addresses: [Address], target: Target, clock: Deadlines) throws -> Int32 {
            var lastError: Int32 = ECONNREFUSED
            for address in addresses {
                let fd = socket(
                    address.family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
                guard fd >= 0 else {
                    lastError = errno
                    continue
                }
                var result = address.storage.withUnsafeBytes { raw in
                    Glibc.connect(fd, raw.baseAddress?.assumingMemoryBound(to: sockaddr.self), address.length)
                }
                if result != 0, errno == EINPROGRESS || errno == EINTR {
                    do {
                        try wait(fd, for: Int16(POLLOUT), clock: clock)
                    } catch {
                        close(fd)
                        throw error
                    }
                    var code: Int32 = 0
                    var size = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &size)
                    result = code == 0 ? 0 : code
                } else if result != 0 {
                    result = errno
                }
                if result == 0 {
                    var one: Int32 = 1
                    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    return fd
                }
                lastError = result
                close(fd)
            }
            throw HTTPTransportError.cannotConnect(
                underlying: SocketError("connect", errno: lastError, at: target.description))
        }

        /// Writes all of `bytes`. A peer that stops reading is no error here: it may have answered
        /// already (a 413, say), and reading the answer tells.
        private func send(_ bytes: [UInt8], on fd: Int32, clock: Deadlines) throws {
            var offset = 0
            while offset < bytes.count {
                let sent = bytes.withUnsafeBytes { raw in
                    Glibc.send(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset, Int32(MSG_NOSIGNAL))
                }
                if sent >= 0 {
                    offset += sent
                } else if errno == EAGAIN || errno == EWOULDBLOCK {
                    try wait(fd, for: Int16(POLLOUT), clock: clock)
                } else if errno != EINTR {
                    return
                }
            }
        }

        private func requestBytes(_ target: Target) -> [UInt8] {
            var head = "\(request.method) \(target.path) HTTP/1.1\r\nHost: \(target.hostHeader)\r\n"
            var names = Set<String>()
            for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) {
                let lower = name.lowercased()
                // Framing and connection reuse are this client's business.
                if ["host", "content-length", "connection", "transfer-encoding"].contains(lower) { continue }
                names.insert(lower)
                // A line break would end the header early (a key read from a file keeps its newline).
                let value = value.trimmingCharacters(in: .whitespacesAndNewlines)
                    .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
                head += "\(name): \(value)\r\n"
            }
            if let body = request.body {
                if !names.contains("content-type") { head += "Content-Type: application/json\r\n" }
                head += "Content-Length: \(body.count)\r\n"
            } else if ["POST", "PUT", "PATCH"].contains(request.method.uppercased()) {
                head += "Content-Length: 0\r\n"
            }
            if !names.contains("user-agent") { head += "User-Agent: loop\r\n" }
            head += "Connection: close\r\n\r\n"
            return Array(head.utf8) + (request.body.map { Array($0) } ?? [])
        }

        // MARK: - Addresses

        /// Host, port and request target of an `http` URL.
        private struct Target {
            var host: String
            var port: UInt16
            var hostHeader: String
            var path: String

            init(_ url: URL) throws {
                guard let components = URLComponents(url: url, resolvingAgainstBaseURL: true),
                    var host = components.host, !host.isEmpty
                else { throw HTTPTransportError.cannotConnect(underlying: SocketError("no host in \(url)")) }
                if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
                self.host = host
                self.port = UInt16(clamping: components.port ?? 80)
                let bracketed = host.contains(":") ? "[\(host)]" : host
                self.hostHeader = components.port.map { "\(bracketed):\($0)" } ?? bracketed
                let path = components.percentEncodedPath
                self.path = (path.isEmpty ? "/" : path) + (components.percentEncodedQuery.map { "?\($0)" } ?? "")
            }

            var description: String { hostHeader }
        }

        private struct Address {
            var family: Int32
            var storage: [UInt8]
            var length: socklen_t
        }

        /// The addresses of the target's host, in the resolver's order (it may block, as DNS does).
        private static func resolve(_ target: Target) throws -> [Address] {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(target.host, String(target.port), &hints, &list)
            guard status == 0, let list else {
                let reason = String(cString: gai_strerror(status))
                throw HTTPTransportError.cannotConnect(underlying: SocketError("resolve \(target.host): \(reason)"))
            }
            defer { freeaddrinfo(list) }
            var addresses: [Address] = []
            var entry: UnsafeMutablePointer<addrinfo>? = list
            while let current = entry?.pointee {
                if let address = current.ai_addr {
                    let bytes = UnsafeRawBufferPointer(start: address, count: Int(current.ai_addrlen))
                    addresses.append(
                        Address(family: current.ai_family, storage: Array(bytes), length: current.ai_addrlen))
                }
                entry = current.ai_next
            }
            return addresses
        }
    }

    /// The first-byte limit until the body starts, then the idle limit from the last chunk.
    private struct Deadlines {
        var started: ContinuousClock.Instant
        var firstByteTimeout: Duration
        var idleTimeout: Duration
        var lastByte: ContinuousClock.Instant?

        var current: (deadline: ContinuousClock.Instant, beforeFirstByte: Bool) {
            if let lastByte { return (lastByte + idleTimeout, false) }
            return (started + firstByteTimeout, true)
        }
    }

    /// A socket call that failed, worded for a person.
    struct SocketError: Error, LocalizedError, CustomStringConvertible {
        var description: String

        /// `what` failed with `errno` (if given) talking to `place` (if given).
        init(_ what: String, errno code: Int32? = nil, at place: String? = nil) {
            var text = what
            if let code { text += " failed: \(String(cString: strerror(code)))" }
            if let place { text += " (\(place))" }
            description = text
        }

        var errorDescription: String? { description }
    }
#endif
