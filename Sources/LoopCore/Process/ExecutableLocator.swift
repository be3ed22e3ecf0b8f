import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds the executable a command will run, the way `execvp` and `command -v` do, and
/// returns its absolute path.
///
/// The runner is handed that path rather than a bare name: a spawn given a name tries every
/// PATH entry with a failing `execve` each (with swift-subprocess, which loop once used, a fork
/// each: the benchmark counted 195 wasted processes per round), and a backend's preflight and
/// its dispatch must agree on the file ("installed" at preflight means the same file at spawn
/// time).
///
/// An empty PATH entry (`PATH=/usr/bin:`, `::`) means the current folder, as POSIX says and
/// as glibc's `execvp`, dash and bash all do: a user whose shell runs a program from such a
/// PATH would be puzzled to hear it "is not on PATH". The current folder is `base`, the
/// folder `loop` runs in, and a relative entry (`.`, `bin`) is taken from there too, so the
/// path returned never depends on the child's working directory.
package enum ExecutableLocator {
    /// Searched when no PATH is set, as glibc does.
    static let defaultSearchPath = "/usr/local/bin:/usr/bin:/bin"

    /// The absolute path of `program`, or nil when it cannot be run.
    ///
    /// - Parameters:
    ///   - program: a bare name (searched on `searchPath`) or a path (absolute, or relative
    ///     to `base`).
    ///   - searchPath: a `PATH` value; nil means this process's `PATH`.
    ///   - base: the folder that relative paths and PATH entries start from; nil means the
    ///     current directory.
    package static func locate(_ program: String, searchPath: String? = nil, base: String? = nil) -> String? {
        guard !program.isEmpty else { return nil }
        // Read only when needed: a round asks this for every git process, and PATH's entries
        // are nearly always absolute.
        var currentFolder: String { base ?? FileManager.default.currentDirectoryPath }
        if program.contains("/") {
            let path = absolute(program, base: currentFolder)
            return isExecutableFile(path) ? (path as NSString).standardizingPath : nil
        }
        let path = searchPath ?? Platform.environmentValue("PATH") ?? defaultSearchPath
        for entry in path.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate: String
            if entry.hasPrefix("/") {
                candidate = (String(entry) as NSString).appendingPathComponent(program)
            } else {
                // "" and "." are the current folder; "bin" is below it.
                let directory = absolute(entry.isEmpty ? "." : String(entry), base: currentFolder)
                candidate = ((directory as NSString).appendingPathComponent(program) as NSString).standardizingPath
            }
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// True for a regular file (after symlinks) that we may execute.
    package static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    private static func absolute(_ path: String, base: String) -> String {
        path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
    }
}
