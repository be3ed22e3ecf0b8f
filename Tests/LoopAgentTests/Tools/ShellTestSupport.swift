#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore

@testable import LoopAgent

/// Helpers for the shell tests: a loopback listener and a process-table probe.
enum ShellTestSupport {
    /// A TCP socket listening on 127.0.0.1 at a free port (connections queue in the backlog).
    struct Listener {
        let descriptor: Int32
        let port: UInt16

        func close() {
            _ = Glibc.close(descriptor)
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
            _ = Glibc.close(descriptor)
            throw SocketError()
        }
        return Listener(descriptor: descriptor, port: UInt16(bigEndian: address.sin_port))
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

    /// The working sandbox, or nil after printing why the calling test is skipped.
    static func bubblewrap(
        for fixture: ToolSandboxFixture, timeout: Duration = .seconds(20),
        hiddenPaths: [String]? = nil
    ) async -> ShellSandbox? {
        let configuration = ShellSandbox.Configuration(
            timeout: timeout, killGrace: .milliseconds(500), hiddenPaths: hiddenPaths)
        let availability = await ShellSandbox.detect(configuration: configuration)
        guard case .sandboxed = availability else {
            print("SKIPPED (bubblewrap unavailable): \(availability.message)")
            return nil
        }
        return ShellSandbox(workspace: fixture.workspace, configuration: configuration, availability: availability)
    }
}
