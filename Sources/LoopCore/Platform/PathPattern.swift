import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Shell-style path patterns (`tests/*.py`, `docs/**`), as `fnmatch(3)` reads them.
package enum PathPattern {
    /// Whether `path` matches `pattern`; `*` does not cross `/` unless the pattern ends in `/**`.
    package static func matches(_ pattern: String, _ path: String) -> Bool {
        if pattern.hasSuffix("/**") {
            let folder = String(pattern.dropLast(3))
            return path.hasPrefix(folder + "/") || matches(folder, path)
        }
        return fnmatch(pattern, path, FNM_PATHNAME) == 0
    }

    /// A card scope entry (`in_scope`/`out_of_scope`) as a path pattern, or nil when it is
    /// prose ("Refactoring the API"): entries with spaces are descriptions, not paths.
    package static func scopeEntry(_ entry: String) -> String? {
        var text = entry.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("./") { text.removeFirst(2) }
        guard !text.isEmpty, !text.contains(where: \.isWhitespace), !text.hasPrefix("/"), text != "." else {
            return nil
        }
        return text
    }

    /// Whether a scope pattern covers a file: the file itself, a folder holding it, or a glob.
    package static func covers(_ pattern: String, _ file: String) -> Bool {
        if pattern.hasSuffix("/") { return file.hasPrefix(pattern) }
        if file == pattern || file.hasPrefix(pattern + "/") { return true }
        return pattern.contains(where: { "*?[".contains($0) }) && matches(pattern, file)
    }
}
