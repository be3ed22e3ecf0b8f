package import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Crash-safe file writes: temp file in the same folder, fsync, rename, fsync the folder.
///
/// A reader never sees half a file and a crash never leaves one: `rename(2)` within one
/// folder is atomic, and the folder fsync makes the rename itself durable.
package enum AtomicFile {
    /// Test-only fault points around a bus write (see `FaultInjection`).
    package enum WritePoint: String, Sendable {
        case beforeTemp = "write.before_temp"
        case afterTemp = "write.after_temp"
        case afterRename = "write.after_rename"
    }

    /// Writes `data` to `path` atomically, creating the parent folder when needed.
    ///
    /// - Parameter durable: fsync the file and its folder, so the write survives a power loss,
    ///   not only a crash. Bus files that carry the run (state, reports, fix list, outcome) are
    ///   durable; copies that can be rebuilt or only help people (archive copies, prompts,
    ///   heartbeats) skip the two fsyncs — they are still atomic against a crash.
    package static func write(_ data: Data, to path: String, mode: mode_t = 0o644, durable: Bool = true) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        try Filesystem.createDirectory(directory)
        FaultInjection.hit(WritePoint.beforeTemp.rawValue, file: name)
        let temp = "\(directory)/.\(name).tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw LoopError.io(operation: "Creating", path: temp, errno: errno) }
        var renamed = false
        defer { if !renamed { unlink(temp) } }
        do {
            try writeAll(fd, data, path: temp)
            if durable, fsync(fd) != 0 { throw LoopError.io(operation: "Syncing", path: temp, errno: errno) }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        FaultInjection.hit(WritePoint.afterTemp.rawValue, file: name)
        guard rename(temp, path) == 0 else { throw LoopError.io(operation: "Renaming onto", path: path, errno: errno) }
        renamed = true
        if durable { syncDirectory(directory) }
        FaultInjection.hit(WritePoint.afterRename.rawValue, file: name)
    }

    /// Writes a UTF-8 string atomically.
    package static func write(_ text: String, to path: String, durable: Bool = true) throws {
        try write(Data(text.utf8), to: path, durable: durable)
    }

    /// Appends one line to an append-only log (events, usage) with a single `write(2)`.
    ///
    /// `O_APPEND` writes of one buffer are not interleaved with other appenders, and a
    /// crash can at worst leave a final partial line, which readers skip.
    package static func appendLine(_ line: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try Filesystem.createDirectory(directory)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LoopError.io(operation: "Opening", path: path, errno: errno) }
        defer { close(fd) }
        var text = line
        if !text.hasSuffix("\n") { text += "\n" }
        try writeAll(fd, Data(text.utf8), path: path)
    }

    /// Removes temp files left by writers that died (their pid is in the name and no longer alive).
    package static func sweepStaleTemps(in directory: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(".") && name.contains(".tmp-") {
            let parts = name.components(separatedBy: ".tmp-")
            guard let rest = parts.last, let pidText = rest.split(separator: "-").first,
                let pid = pid_t(pidText), !ProcessControl.isAlive(pid)
            else { continue }
            unlink("\(directory)/\(name)")
        }
    }

    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard var pointer = buffer.baseAddress else { return }
            var remaining = buffer.count
            while remaining > 0 {
                let written = Platform.write(fd, pointer, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw LoopError.io(operation: "Writing", path: path, errno: errno)
                }
                remaining -= written
                pointer = pointer.advanced(by: written)
            }
        }
    }

    static func syncDirectory(_ directory: String) {
        let dfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}
