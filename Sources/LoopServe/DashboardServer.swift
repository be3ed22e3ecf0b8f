import FlyingFox
import FlyingSocks
import Foundation
import LoopCore

/// The dashboard's HTTP server: binds, says where it listens, serves until cancelled.
package enum DashboardServer {
    /// Serves `configuration` until the task is cancelled (SIGINT/SIGTERM end the process).
    /// `onListening` gets the address once the socket listens (port 0 picks a free one).
    /// - Throws: `LoopError.config` when the address cannot be bound (in use, not this machine's).
    package static func run(_ configuration: ServeConfiguration, onListening: @Sendable @escaping (String) -> Void)
        async throws
    {
        let address: sockaddr_in
        do {
            address = try .inet(ip4: configuration.host, port: configuration.port)
        } catch {
            throw LoopError.config("Cannot use --host \(configuration.host): \(error).")
        }
        // The access check needs the real port (Host header), known only once bound: the handler
        // reads it from a cell set as soon as the server says it listens. With `--port 0` a
        // request in the instant before that is refused as if from a foreign Host (401).
        let port = Locked<UInt16>(configuration.port)
        let handler = PortAwareHandler(configuration: configuration, port: port)
        let server = HTTPServer(address: address, timeout: 30, logger: .disabled, handler: handler)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await server.run()
                } catch {
                    throw LoopError.config(
                        "Cannot listen on \(configuration.host):\(configuration.port): \(error). Pick another --port (0 = any free one) or an address of this machine."
                    )
                }
            }
            group.addTask {
                try await server.waitUntilListening(timeout: 10)
                if case .ip4(let host, let actual)? = await server.listeningAddress {
                    port.withLock { $0 = actual }
                    onListening("http://\(host):\(actual)/")
                }
            }
            try await group.next()
            try await group.next()
        }
    }

    /// The handler, built with the port the server really listens on.
    private struct PortAwareHandler: HTTPHandler {
        var configuration: ServeConfiguration
        var port: Locked<UInt16>

        func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
            let handler = DashboardHandler(
                paths: configuration.paths, access: AccessCheck(token: configuration.token, port: port.value),
                controlExecutable: configuration.controlExecutable)
            return try await handler.handleRequest(request)
        }
    }
}
