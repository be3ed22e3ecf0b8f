import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One client connection: reads requests, answers each from the script (keep-alive).
final class ServerConnection {
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
