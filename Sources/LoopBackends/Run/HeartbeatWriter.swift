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
        (try? JSONEncoder.bus.encode(heartbeat(updatedAt: updatedAt, lastOutputAt: lastOutputAt))) ?? Data()
    }

    /// The PM's heartbeat at `updatedAt`.
    func heartbeat(updatedAt: Date, lastOutputAt: Date?) -> Heartbeat {
        Heartbeat(
            role: role.rawValue, pid: pid, runID: runID, updatedAt: Timestamp.format(updatedAt), tracksOutput: true,
            lastOutputAt: lastOutputAt.map(Timestamp.format), source: "pm")
    }

    /// Writes the file now (atomically; a reader never sees half of it).
    func write(lastOutputAt: Date?) {
        try? heartbeat(updatedAt: Date(), lastOutputAt: lastOutputAt).write(to: path)
    }

    /// Writes now and then every `interval` seconds until the task is cancelled.
    func run(lastOutputAt: @escaping @Sendable () -> Date?) async {
        while !Task.isCancelled {
            write(lastOutputAt: lastOutputAt())
            try? await Task.sleep(for: .seconds(max(1, interval)))
        }
    }
}
