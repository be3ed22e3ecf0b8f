import Foundation

/// `heartbeat/<role>.json`: proof that a role's agent is alive, rewritten every few seconds.
///
/// Two writers use this one type: the PM for the external CLIs it runs (`source: pm`, with
/// `run_id` and `last_output_at`) and `loop heartbeat` beside a manually run agent
/// (`source: manual`, with `cwd`). Readers judge freshness by the file's modification time.
package struct Heartbeat: Codable, BusDocument, Sendable, Equatable {
    package var role: String
    package var pid: Int32
    package var runID: String?
    package var updatedAt: String
    /// Whether this heartbeat tracks the agent's output: the PM's does (`last_output_at` is
    /// written, `null` until the first output); `loop heartbeat` cannot see the agent's output.
    package var tracksOutput: Bool
    /// The last time the agent printed anything: what tells a live agent from a hung one.
    package var lastOutputAt: String?
    package var cwd: String?
    /// `pm` or `manual`.
    package var source: String

    enum CodingKeys: String, CodingKey {
        case role, pid, cwd, source
        case runID = "run_id"
        case updatedAt = "updated_at"
        case lastOutputAt = "last_output_at"
    }

    package init(
        role: String, pid: Int32, runID: String? = nil, updatedAt: String, tracksOutput: Bool = false,
        lastOutputAt: String? = nil, cwd: String? = nil, source: String
    ) {
        self.role = role
        self.pid = pid
        self.runID = runID
        self.updatedAt = updatedAt
        self.tracksOutput = tracksOutput
        self.lastOutputAt = lastOutputAt
        self.cwd = cwd
        self.source = source
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decode(String.self, forKey: .role)
        pid = try container.decode(Int32.self, forKey: .pid)
        runID = try container.decodeIfPresent(String.self, forKey: .runID)
        updatedAt = try container.decode(String.self, forKey: .updatedAt)
        tracksOutput = container.contains(.lastOutputAt)
        lastOutputAt = try container.decodeIfPresent(String.self, forKey: .lastOutputAt)
        cwd = try container.decodeIfPresent(String.self, forKey: .cwd)
        source = try container.decode(String.self, forKey: .source)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role, forKey: .role)
        try container.encode(pid, forKey: .pid)
        try container.encodeIfPresent(runID, forKey: .runID)
        try container.encode(updatedAt, forKey: .updatedAt)
        if tracksOutput {
            if let lastOutputAt {
                try container.encode(lastOutputAt, forKey: .lastOutputAt)
            } else {
                try container.encodeNil(forKey: .lastOutputAt)
            }
        }
        try container.encodeIfPresent(cwd, forKey: .cwd)
        try container.encode(source, forKey: .source)
    }

    /// Writes the file atomically without fsync: it is rewritten every few seconds.
    package func write(to path: String) throws {
        try write(to: path, durable: false)
    }
}
