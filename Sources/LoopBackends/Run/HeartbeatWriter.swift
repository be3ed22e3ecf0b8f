import Foundation
import LoopCore

/// Keeps a role's heartbeat file fresh while its agent runs.
///
/// External CLIs write no heartbeat of their own, so the PM writes one for them: `pid` is
/// the PM's, and `last_output_at` — the last time the agent printed anything — is what
/// tells a live agent from a hung one.
struct HeartbeatWriter: Sendable {
    var path: String
    var role: Role
    var runID: String
    /// Seconds between writes (at least 1).
    var interval: Int
    var pid: Int32 = ProcessInfo.processInfo.processIdentifier

    /// The file's content, e.g.
    /// `{"last_output_at": null, "pid": 41, "role": "worker", "run_id": "…", "source": "pm", "updated_at": "…"}`.
    func payload(updatedAt: Date, lastOutputAt: Date?) -> Data {
        let value = JSONValue.object([
            "role": .string(role.rawValue),
            "pid": .number(Double(pid)),
            "run_id": .string(runID),
            "updated_at": .string(Timestamp.format(updatedAt)),
            "last_output_at": lastOutputAt.map { .string(Timestamp.format($0)) } ?? .null,
            "source": .string("pm"),
        ])
        return (try? JSONEncoder.bus.encode(value)) ?? Data()
    }

    /// Writes the file now (atomically; a reader never sees half of it).
    func write(lastOutputAt: Date?) {
        try? AtomicFile.write(payload(updatedAt: Date(), lastOutputAt: lastOutputAt), to: path, durable: false)
    }

    /// Writes now and then every `interval` seconds until the task is cancelled.
    func run(lastOutputAt: @escaping @Sendable () -> Date?) async {
        while !Task.isCancelled {
            write(lastOutputAt: lastOutputAt())
            try? await Task.sleep(for: .seconds(max(1, interval)))
        }
    }
}
