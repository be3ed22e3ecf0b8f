import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The listening socket, the script and the record, shared with the server threads.
final class ServerCore: Sendable {
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

package enum ServerError: Error, CustomStringConvertible {
    case socket(String, Int32)

    package var description: String {
        switch self {
        case .socket(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
        }
    }
}
