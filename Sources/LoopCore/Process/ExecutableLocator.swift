#if canImport(Glibc)
    import Glibc
#endif
import Foundation

/// Finds a program on PATH once per process.
///
/// Handing swift-subprocess a bare name makes it try every PATH entry with a fork and a
/// failing `execve` each — the benchmark counted 195 wasted processes per round. Looking the
/// name up with `access(X_OK)` and passing the absolute path starts exactly one process.
enum ExecutableLocator {
    private static let cache = Locked<[String: String]>([:])

    /// The absolute path of `program` on `searchPath` (`PATH` when nil), or nil when it is not
    /// there; a name with a slash is returned as it is.
    static func locate(_ program: String, searchPath: String? = nil) -> String? {
        if program.contains("/") { return program }
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let key = program + "\u{0}" + path
        if let known = cache.value[key] { return known }
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(program)"
            var info = stat()
            if access(candidate, X_OK) == 0, stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
                cache.withLock { $0[key] = candidate }
                return candidate
            }
        }
        return nil
    }
}
