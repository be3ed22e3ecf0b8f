#if canImport(Glibc)
    import Glibc
    private let closeDescriptor = Glibc.close
#elseif canImport(Darwin)
    import Darwin
    private let closeDescriptor = Darwin.close
#endif
import Foundation
import LoopCore
import Testing

@testable import LoopAgent

/// Helpers for the shell tests: a loopback listener and a process-table probe.
enum ShellTestSupport {
    /// A TCP socket listening on 127.0.0.1 at a free port (connections queue in the backlog).
    struct Listener {
        let descriptor: Int32
        let port: UInt16

        func close() {
            _ = closeDescriptor(descriptor)
        }
    }

    static func makeListener() throws -> Listener {
        struct SocketError: Error {}
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError() }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && listen(descriptor, 8) == 0
                    && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound else {
            _ = closeDescriptor(descriptor)
            throw SocketError()
        }
        return Listener(descriptor: descriptor, port: UInt16(bigEndian: address.sin_port))
    }

    /// Serialises the tests that put fake secrets into this process's environment.
    private static let environmentLock = Locked(false)

    /// Runs `body` with `variables` set in the test process's own environment, then removes them.
    ///
    /// The sandbox must be shown not to pass on what the PM really has, so the variables go
    /// into the real environment; the lock keeps the two suites that do this from racing.
    static func withEnvironment<T: Sendable>(
        _ variables: [String: String], _ body: () async throws -> T
    ) async rethrows -> T {
        while !environmentLock.withLock({ busy in
            if busy { return false }
            busy = true
            return true
        }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for (name, value) in variables { setenv(name, value, 1) }
        let visible = ProcessInfo.processInfo.environment
        for (name, value) in variables where visible[name] != value {
            Issue.record("control: \(name) is not set in the test process, so the check would prove nothing")
        }
        defer {
            for name in variables.keys { unsetenv(name) }
            environmentLock.set(false)
        }
        return try await body()
    }

    /// Pids whose command line contains `marker`.
    static func processes(containing marker: String) -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { name -> Int32? in
            guard let pid = Int32(name), pid != getpid(),
                let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline")
            else { return nil }
            let cmdline = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return cmdline.contains(marker) && ProcessControl.isAlive(pid) ? pid : nil
        }
    }

    /// The working sandbox, or nil after recording a failure: callers run only where bubblewrap
    /// works or in CI (`.enabled(if: BubblewrapRequirement.shouldRun)`), so nil is a real problem.
    static func bubblewrap(
        for fixture: ToolSandboxFixture, timeout: Duration = .seconds(20),
        hiddenPaths: [String]? = nil, maxFileBytes: Int = 1 << 30
    ) async -> ShellSandbox? {
        let configuration = ShellSandbox.Configuration(
            timeout: timeout, killGrace: .milliseconds(500), hiddenPaths: hiddenPaths, maxFileBytes: maxFileBytes)
        let availability = await ShellSandbox.detect(configuration: configuration)
        guard case .sandboxed = availability else {
            Issue.record("bubblewrap is required here but unusable: \(availability.message)")
            return nil
        }
        return ShellSandbox(workspace: fixture.workspace, configuration: configuration, availability: availability)
    }
}
