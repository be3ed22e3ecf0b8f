import Foundation

/// The `backends:` of `.loop/config.yaml` as the run's PM resolved them when it started (or
/// was resumed), kept in `run/backends.json` for its round subprocesses.
///
/// Why: every round is a fresh process, and parsing config.yaml there (Yams, whose type
/// resolver compiles ICU regular expressions, then the options merge) cost each round a few
/// milliseconds of CPU and megabytes of touched pages, for options the run had already fixed
/// in state.json. The backends now follow the same rule as the options: fixed when the PM
/// starts, read again on `--resume`. The file is a cache, not a contract: a round subprocess
/// that cannot read it parses config.yaml as before, and a round started by hand never uses it.
package enum BackendsSnapshot {
    package static func path(_ paths: BusPaths) -> String { "\(paths.scratch)/backends.json" }

    /// Writes the snapshot; owner-only, because a backend's `env:` may hold a credential.
    /// Not fsynced: a crash loses a cache that the next start writes again.
    package static func write(_ backends: [String: BackendConfig], paths: BusPaths) throws {
        try Filesystem.createDirectory(paths.scratch)
        let data = try JSONEncoder.bus.encode(backends)
        try AtomicFile.write(data, to: path(paths), mode: 0o600, durable: false)
    }

    /// The snapshot, or nil when there is none or it cannot be read.
    package static func read(_ paths: BusPaths) -> [String: BackendConfig]? {
        guard let data = FileManager.default.contents(atPath: path(paths)) else { return nil }
        return try? JSONDecoder().decode([String: BackendConfig].self, from: data)
    }
}
