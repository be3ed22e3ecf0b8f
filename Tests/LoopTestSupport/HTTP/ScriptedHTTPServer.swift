import Dispatch
package import Foundation
import Synchronization

/// A real HTTP/1.1 server on 127.0.0.1 (ephemeral port) that answers from a script.
///
/// Each test queues the responses it wants (status, headers, body chunks with pauses, chunked,
/// sized or close-delimited framing, a dropped connection, or no answer at all) and reads back
/// the requests the client sent. The clients under test go through the real URLSession stack,
/// so what passes here passes against a real server speaking the same bytes.
package final class ScriptedHTTPServer: Sendable {
    /// A request as the server received it.
    package struct Request: Sendable {
        package var method: String
        package var path: String
        /// Header names in lower case.
        package var headers: [String: String]
        package var body: Data
        package var receivedAt: ContinuousClock.Instant

        /// The body parsed as JSON (nil when it is not JSON).
        package var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        /// The body as an object, `[:]` when it is not one.
        package var object: [String: Any] { json as? [String: Any] ?? [:] }
    }

    /// How the end of the body is marked.
    package enum Framing: Sendable {
        case chunked
        case contentLength
        /// No length; the server closes the connection after the body (HTTP/1.0 style).
        case closeDelimited
    }

    /// One thing the server does while writing a body.
    package enum Step: Sendable {
        case send(Data)
        case pause(Duration)
        /// Waits (up to 5 s) until the test opens the gate.
        case wait(Gate)
        /// Resets the connection (RST) without finishing the body; as the first step, before
        /// any status line.
        case drop
    }

    /// A scripted answer to one request.
    package struct Response: Sendable {
        /// Only requests to this path get this response; nil matches any path.
        package var path: String?
        package var status: Int
        package var headers: [(String, String)]
        package var steps: [Step]
        package var framing: Framing
        /// Read the request and never answer (to test timeouts).
        package var isSilent: Bool = false
        /// Stays in the queue after use.
        package var isRepeating: Bool = false

        package init(
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
    package final class Gate: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        private let state = Mutex<(isOpen: Bool, wasOpenInTime: Bool?)>((false, nil))

        package init() {}

        package func open() {
            let isFirst = state.withLock { state -> Bool in
                defer { state.isOpen = true }
                return !state.isOpen
            }
            if isFirst { semaphore.signal() }
        }

        /// Whether the server found the gate open before its wait ran out (nil: never waited).
        package var wasOpenInTime: Bool? { state.withLock { $0.wasOpenInTime } }

        /// Waits until the gate opens (true), 5 s pass or `isAbandoned` says to stop (false).
        func wait(isAbandoned: () -> Bool) -> Bool {
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
    package init(port: UInt16 = 0, handler: (@Sendable (Request) -> Response?)? = nil) throws {
        core = try ServerCore(port: port, handler: handler)
        let core = core
        Thread.detachNewThread { core.acceptLoop() }
    }

    deinit { core.stop() }

    package var port: UInt16 { core.port }
    /// `http://127.0.0.1:<port>`
    package var baseURL: URL { URL(string: "http://127.0.0.1:\(port)") ?? URL(fileURLWithPath: "/") }

    /// Adds a response to the end of the script.
    package func enqueue(_ response: Response) { core.script.withLock { $0.append(response) } }

    /// The requests received so far, oldest first.
    package var requests: [Request] { core.requests.withLock { $0 } }

    /// How many connections have ended (closed by either side).
    package var closedConnections: Int { core.closedConnections.load(ordering: .acquiring) }

    /// Stops accepting and ends every open connection.
    package func stop() { core.stop() }

    /// A port on 127.0.0.1 where nothing listens (bound, read, closed).
    package static func unusedPort() throws -> UInt16 {
        let core = try ServerCore(listening: false)
        defer { core.closeListener() }
        return core.port
    }
}
