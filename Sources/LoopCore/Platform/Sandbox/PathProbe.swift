#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `lstat`, `readlink` and `realpath` for building sandbox mounts, in one place.
///
/// The sandbox must see a symlink as a symlink (`/bin -> usr/bin` is recreated as a link,
/// not bound as a folder), which Foundation's `FileManager` hides.
package enum PathProbe {
    /// What a path names, without following a final symlink.
    package enum Kind: Sendable, Equatable {
        case regular
        case directory
        case symlink
        case other
        case missing
    }

    /// `lstat(2)` of `path`: `.missing` when it does not exist (or cannot be examined).
    package static func kind(_ path: String) -> Kind {
        var buffer = stat()
        guard lstat(path, &buffer) == 0 else { return .missing }
        switch buffer.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    /// `stat(2)`: true when `path` exists and (after symlinks) is a directory.
    package static func isDirectory(_ path: String) -> Bool {
        var buffer = stat()
        return stat(path, &buffer) == 0 && buffer.st_mode & S_IFMT == S_IFDIR
    }

    /// The target a symlink holds, as written (`usr/bin`), or nil.
    package static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `realpath(3)`: the absolute path with every symlink, `.` and `..` resolved; nil when missing.
    package static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// True when `path` is `directory` or lies inside it (plain string comparison of absolute paths).
    package static func path(_ path: String, isWithin directory: String) -> Bool {
        directory == "/" || path == directory || path.hasPrefix(directory.hasSuffix("/") ? directory : directory + "/")
    }
}
