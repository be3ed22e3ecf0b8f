#if canImport(Glibc)
    import Glibc
#endif
import Foundation

/// Finds the executable a backend will run, the way a shell would.
///
/// Both preflight and dispatch use it, and the runner is handed the absolute path it finds,
/// so "installed" at preflight means the same file at spawn time. A PATH set in
/// `backends.<name>.env` is the one searched, since it is the one the agent gets.
enum ProgramLocator {
    /// The absolute path of `program`, or nil when it cannot be run.
    ///
    /// - Parameters:
    ///   - program: a bare name (searched on `searchPath`) or a path (absolute, or relative
    ///     to `base`, the folder `loop` runs in).
    ///   - searchPath: a `PATH` value; an empty entry means the current folder, as in POSIX.
    static func locate(
        _ program: String, searchPath: String? = ProcessInfo.processInfo.environment["PATH"],
        base: String = FileManager.default.currentDirectoryPath
    ) -> String? {
        guard !program.isEmpty else { return nil }
        if program.contains("/") {
            let path = program.hasPrefix("/") ? program : (base as NSString).appendingPathComponent(program)
            return isExecutableFile(path) ? (path as NSString).standardizingPath : nil
        }
        let folders = (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(
            separator: ":", omittingEmptySubsequences: false)
        for folder in folders {
            let directory = folder.isEmpty ? base : String(folder)
            let candidate = (directory as NSString).appendingPathComponent(program)
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// True for a regular file (after symlinks) that we may execute.
    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }
}
