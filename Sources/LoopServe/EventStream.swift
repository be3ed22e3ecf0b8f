import FlyingSocks
import Foundation

/// `GET /api/events`: every line of `events.jsonl` as a Server-Sent Event, the old ones first,
/// then each new one as the PM appends it, with `id:` = the line's number (1-based).
///
/// A browser that reconnects sends `Last-Event-ID` and gets only the lines after it. The stream
/// is pulled: the file is read only when the connection asks for more bytes, so a slow or stuck
/// client holds one open file position, never a growing buffer, and never touches the PM (the
/// PM appends each line with one `write(2)`; a torn last line waits for its newline).
package struct EventStream: AsyncBufferedSequence {
    package typealias Element = UInt8

    package var path: String
    /// Lines up to this number are not sent (`Last-Event-ID`).
    package var afterLine: Int
    /// When set and no `Last-Event-ID` was given: start with only the last this many lines.
    package var tail: Int?
    /// How often the file is looked at for new lines.
    package var pollInterval: Duration = .milliseconds(250)
    /// A comment line is sent after this long without events, so a dead connection is noticed.
    package var keepAlive: Duration = .seconds(15)

    package init(path: String, afterLine: Int, tail: Int? = nil) {
        self.path = path
        self.afterLine = afterLine
        self.tail = tail
    }

    package func makeAsyncIterator() -> Iterator { Iterator(stream: self) }

    package struct Iterator: AsyncBufferedIteratorProtocol {
        private let stream: EventStream
        private var afterLine: Int
        private var offset: UInt64 = 0
        private var lineNumber = 0
        private var partial = Data()
        private var hasStarted = false
        private var lastSent = ContinuousClock.now

        init(stream: EventStream) {
            self.stream = stream
            afterLine = stream.afterLine
        }

        package mutating func next() async throws -> UInt8? {
            // The server reads buffers only (HTTPBodySequence); one byte at a time is never asked.
            try await nextBuffer(suggested: 1)?.first
        }

        /// The next events (or a keep-alive comment), waiting until there is something to send.
        /// Ends (nil) when the connection's task is cancelled.
        package mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? {
            if !hasStarted {
                hasStarted = true
                if let tail = stream.tail, afterLine == 0 {
                    afterLine = Swift.max(0, Self.countLines(stream.path) - tail)
                }
                // Reconnect after a second; the first bytes also make the browser open the stream at once.
                return Array("retry: 1000\n\n".utf8)
            }
            while !Task.isCancelled {
                let events = readNewEvents()
                if !events.isEmpty {
                    lastSent = .now
                    return events
                }
                if ContinuousClock.now - lastSent >= stream.keepAlive {
                    lastSent = .now
                    return Array(": keep-alive\n\n".utf8)
                }
                do {
                    try await Task.sleep(for: stream.pollInterval)
                } catch {
                    return nil
                }
            }
            return nil
        }

        /// Reads what the file gained since the last look (at most 256 KiB) and returns the
        /// complete lines after `afterLine` as events.
        private mutating func readNewEvents() -> [UInt8] {
            guard let handle = FileHandle(forReadingAtPath: stream.path) else { return [] }
            defer { try? handle.close() }
            let size = (try? handle.seekToEnd()) ?? 0
            if size < offset {
                // The file was replaced by a shorter one (never done by the PM): start over.
                offset = 0
                lineNumber = 0
                partial = Data()
            }
            guard size > offset, (try? handle.seek(toOffset: offset)) != nil,
                let data = try? handle.read(upToCount: 256 * 1024), !data.isEmpty
            else { return [] }
            offset += UInt64(data.count)
            partial.append(data)
            var output: [UInt8] = []
            while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
                let line = partial[partial.startIndex..<newline]
                partial = Data(partial[partial.index(after: newline)...])
                lineNumber += 1
                guard lineNumber > afterLine, !line.isEmpty else { continue }
                output += Array("id: \(lineNumber)\ndata: ".utf8)
                output += line.filter { $0 != UInt8(ascii: "\r") }
                output += Array("\n\n".utf8)
            }
            return output
        }

        /// The number of complete lines in the file now.
        private static func countLines(_ path: String) -> Int {
            guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
            defer { try? handle.close() }
            var count = 0
            while let chunk = try? handle.read(upToCount: 1024 * 1024), !chunk.isEmpty {
                count += chunk.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            }
            return count
        }
    }
}
