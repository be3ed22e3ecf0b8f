import Foundation

/// Reads an HTTP/1.1 response from the bytes of one connection, as they arrive.
///
/// Knows the three ways a body can end (chunked, `Content-Length`, the server closing the
/// connection) and skips interim `1xx` answers. It only splits the bytes; what a status
/// or an early close means is for `SocketHTTPExchange` to decide.
struct HTTPResponseParser {
    enum Event: Equatable {
        /// Status and headers (names in lower case, repeated ones joined with ", ").
        case head(status: Int, headers: [String: String])
        /// Body bytes, with any chunk framing removed.
        case body(Data)
        /// The response is complete.
        case end
    }

    enum Failure: Error, Equatable {
        /// The connection ended before the response did (`receivedNothing`: not one byte came).
        case truncated(receivedNothing: Bool)
        /// The bytes are not an HTTP/1.x response.
        case malformed(String)
    }

    private enum Phase {
        case head
        case sized(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case done
    }

    /// Status line plus headers longer than this are refused.
    private static let headLimit = 64 * 1024

    /// A response to `HEAD` has no body whatever its headers say.
    private let isHeadRequest: Bool
    private var phase = Phase.head
    private var pending: [UInt8] = []
    private var headLines: [String] = []
    private var headBytes = 0
    private var receivedAny = false
    private var hasEnded = false

    init(isHeadRequest: Bool = false) {
        self.isHeadRequest = isHeadRequest
    }

    var isComplete: Bool {
        if case .done = phase { return true }
        return false
    }

    /// Parses the next bytes of the connection.
    mutating func feed(_ bytes: some Collection<UInt8>) throws(Failure) -> [Event] {
        if !bytes.isEmpty { receivedAny = true }
        pending.append(contentsOf: bytes)
        var events: [Event] = []
        var position = 0
        defer { pending.removeFirst(position) }
        while position < pending.count {
            switch phase {
            case .head:
                guard let line = nextLine(&position) else {
                    if headBytes + pending.count - position > Self.headLimit { throw .malformed("header too long") }
                    return events
                }
                headBytes += line.count + 1
                if headBytes > Self.headLimit { throw .malformed("header too long") }
                if !line.isEmpty {
                    headLines.append(line)
                } else if !headLines.isEmpty {
                    if let head = try endHead() { events.append(head) }
                }
            case .sized(let remaining):
                let count = min(remaining, pending.count - position)
                events.append(.body(Data(pending[position..<position + count])))
                position += count
                phase = remaining == count ? .done : .sized(remaining: remaining - count)
            case .chunkSize:
                guard let line = nextLine(&position) else { return try waitingForLine(events, position) }
                let digits = line.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
                guard let size = Int(digits, radix: 16), size >= 0 else { throw .malformed("bad chunk size") }
                phase = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let count = min(remaining, pending.count - position)
                events.append(.body(Data(pending[position..<position + count])))
                position += count
                phase = remaining == count ? .chunkDataEnd : .chunkData(remaining: remaining - count)
            case .chunkDataEnd:
                guard let line = nextLine(&position) else { return try waitingForLine(events, position) }
                guard line.isEmpty else { throw .malformed("chunk longer than its size") }
                phase = .chunkSize
            case .trailers:
                guard let line = nextLine(&position) else { return try waitingForLine(events, position) }
                if line.isEmpty { phase = .done }
            case .untilClose:
                events.append(.body(Data(pending[position...])))
                position = pending.count
            case .done:
                // Bytes after the end (we asked for `Connection: close`): nothing to do with them.
                position = pending.count
            }
            if case .done = phase, !hasEnded {
                hasEnded = true
                events.append(.end)
            }
        }
        return events
    }

    /// The connection ended: completes a close-delimited body, or says what was cut short.
    mutating func finish() throws(Failure) -> [Event] {
        switch phase {
        case .untilClose:
            phase = .done
            hasEnded = true
            return [.end]
        case .done:
            return []
        default:
            throw .truncated(receivedNothing: !receivedAny)
        }
    }

    // MARK: - Parts

    /// The next line without its `\n` (and `\r`), or nil while it is incomplete.
    private func nextLine(_ position: inout Int) -> String? {
        guard let newline = pending[position...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        var end = newline
        if end > position, pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = String(decoding: pending[position..<end], as: UTF8.self)
        position = newline + 1
        return line
    }

    /// A framing line is still incomplete; a sane one is short.
    private func waitingForLine(_ events: [Event], _ position: Int) throws(Failure) -> [Event] {
        if pending.count - position > 4096 { throw .malformed("framing line too long") }
        return events
    }

    /// Reads the collected status line and headers; nil for an interim (1xx) answer.
    private mutating func endHead() throws(Failure) -> Event? {
        let lines = headLines
        headLines = []
        headBytes = 0
        let statusLine = lines[0].split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]),
            (100..<1000).contains(status)
        else { throw .malformed("bad status line") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("bad header line") }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        if (100..<200).contains(status) {
            // 100 Continue and friends come before the real answer; 101 (upgrade) is never asked for.
            if status == 101 { throw .malformed("unexpected protocol switch") }
            return nil
        }
        if isHeadRequest || status == 204 || status == 304 {
            phase = .done
        } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            phase = .chunkSize
        } else if let length = headers["content-length"] {
            guard let size = Int(length.split(separator: ",")[0].trimmingCharacters(in: .whitespaces)), size >= 0
            else { throw .malformed("bad Content-Length") }
            phase = size == 0 ? .done : .sized(remaining: size)
        } else {
            phase = .untilClose
        }
        return .head(status: status, headers: headers)
    }
}
