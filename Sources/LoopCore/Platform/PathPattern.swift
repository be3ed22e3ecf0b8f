#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Shell-style path patterns (`tests/*.py`, `docs/**`), as `fnmatch(3)` reads them.
public enum PathPattern {
    /// Whether `path` matches `pattern`; `*` does not cross `/` unless the pattern ends in `/**`.
    public static func matches(_ pattern: String, _ path: String) -> Bool {
        if pattern.hasSuffix("/**") {
            let folder = String(pattern.dropLast(3))
            return path.hasPrefix(folder + "/") || matches(folder, path)
        }
        return fnmatch(pattern, path, FNM_PATHNAME) == 0
    }
}
