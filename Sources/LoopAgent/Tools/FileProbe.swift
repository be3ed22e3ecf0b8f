#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few raw file-system calls the tools need (`lstat`, `stat`, `realpath`, `mkdir`), in one place.
///
/// Path confinement must see symlinks as symlinks, which Foundation's `FileManager` hides in
/// places; these thin wrappers keep the errno so messages can say what went wrong.
enum FileProbe {
    /// What a path names, without following a final symlink (`lstat`) or following it (`stat`).
    enum Kind: Sendable, Equatable {
        case regular
        case directory
        case symlink
        case other
    }

    struct Info: Sendable, Equatable {
        var kind: Kind
        var size: Int
        /// Permission bits (`st_mode & 0o7777`).
        var permissions: UInt32
    }

    /// `lstat(2)`: the entry itself (a symlink is reported as `.symlink`), or the errno.
    static func entry(_ path: String) -> Result<Info, Errno> {
        var buffer = stat()
        guard lstat(path, &buffer) == 0 else { return .failure(Errno(code: errno)) }
        return .success(info(buffer))
    }

    /// `stat(2)`: what the path finally points to, or the errno.
    static func target(_ path: String) -> Result<Info, Errno> {
        var buffer = stat()
        guard stat(path, &buffer) == 0 else { return .failure(Errno(code: errno)) }
        return .success(info(buffer))
    }

    /// `realpath(3)`: the absolute path with every symlink, `.` and `..` resolved; nil when it
    /// does not exist or loops.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `mkdir(2)` with mode 0755; succeeds when a directory is already there.
    static func makeDirectory(_ path: String) -> Errno? {
        if mkdir(path, 0o755) == 0 { return nil }
        let code = errno
        if code == EEXIST, case .success(let existing) = entry(path), existing.kind == .directory { return nil }
        return Errno(code: code)
    }

    private static func info(_ buffer: stat) -> Info {
        let type = buffer.st_mode & S_IFMT
        let kind: Kind =
            switch type {
            case S_IFREG: .regular
            case S_IFDIR: .directory
            case S_IFLNK: .symlink
            default: .other
            }
        return Info(kind: kind, size: Int(buffer.st_size), permissions: UInt32(buffer.st_mode & 0o7777))
    }

    /// An errno with its `strerror` text.
    struct Errno: Error, Sendable, Equatable {
        var code: Int32

        var isNotFound: Bool { code == ENOENT }
        var isNotDirectory: Bool { code == ENOTDIR }
        var message: String { String(cString: strerror(code)) }
    }
}
