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
        var temp = try TempFile.make(data, for: path, mode: mode, durable: durable)
        try temp.moveIntoPlace()
        if durable { syncDirectory(temp.directory) }
        FaultInjection.hit(WritePoint.afterRename.rawValue, file: temp.name)
    }

    /// One file of a step written together (`write(together:)`).
    package struct Item: Sendable {
        package var data: Data
        package var path: String
        package var mode: mode_t

        package init(_ data: Data, to path: String, mode: mode_t = 0o644) {
            self.data = data
            self.path = path
            self.mode = mode
        }
    }

    /// Writes the files of one step durably with one fsync per folder instead of one per file:
    /// every temp file is written and fsync'd, then all are renamed, then each folder is
    /// fsync'd once.
    ///
    /// Each file is atomic on its own, as with `write(_:to:)`; the set is not: a crash between
    /// two renames leaves the first file new and the second old. Callers put the file that
    /// records the step (state.json) last, so a reader that trusts it finds the others already
    /// in place. When writing a temp file fails, nothing is renamed.
    package static func write(together items: [Item]) throws {
        var temps: [TempFile] = []
        defer { for temp in temps where !temp.isRenamed { unlink(temp.path) } }
        for item in items {
            temps.append(try TempFile.make(item.data, for: item.path, mode: item.mode, durable: true))
        }
        var folders: [String] = []
        for index in temps.indices {
            try temps[index].moveIntoPlace()
            if !folders.contains(temps[index].directory) { folders.append(temps[index].directory) }
        }
        for folder in folders { syncDirectory(folder) }
        for temp in temps { FaultInjection.hit(WritePoint.afterRename.rawValue, file: temp.name) }
    }

    /// A written (and, when durable, fsync'd) temp file beside its destination, not yet renamed.
    private struct TempFile {
        let path: String
        let destination: String
        let directory: String
        let name: String
        private(set) var isRenamed = false

        /// Writes `data` to a new temp file in `destination`'s folder (created when needed).
        static func make(_ data: Data, for destination: String, mode: mode_t, durable: Bool) throws -> TempFile {
            let directory = (destination as NSString).deletingLastPathComponent
            let name = (destination as NSString).lastPathComponent
            try Filesystem.createDirectory(directory)
            FaultInjection.hit(WritePoint.beforeTemp.rawValue, file: name)
            let temp = "\(directory)/.\(name).tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
            let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            guard fd >= 0 else { throw LoopError.io(operation: "Creating", path: temp, errno: errno) }
            do {
                try writeAll(fd, data, path: temp)
                if durable, fsync(fd) != 0 { throw LoopError.io(operation: "Syncing", path: temp, errno: errno) }
            } catch {
                close(fd)
                unlink(temp)
                throw error
            }
            close(fd)
            FaultInjection.hit(WritePoint.afterTemp.rawValue, file: name)
            return TempFile(path: temp, destination: destination, directory: directory, name: name)
        }

        /// Renames the temp file onto its destination; on failure the temp file is removed.
        mutating func moveIntoPlace() throws {
            guard rename(path, destination) == 0 else {
                let code = errno
                unlink(path)
                throw LoopError.io(operation: "Renaming onto", path: destination, errno: code)
            }
            isRenamed = true
        }
    }

    /// Gives `source`'s current content a second name, atomically replacing what `destination`
    /// held: `link(2)` to a temp name, then `rename(2)`. No data is copied and no new file is
    /// made. Only for files that are always REPLACED (written through `write`, a new file
    /// renamed over the old), never changed in place: the second name keeps the content of
    /// this moment. Returns false where the file system cannot link (then copy instead).
    package static func hardLink(_ source: String, to destination: String) -> Bool {
        let directory = (destination as NSString).deletingLastPathComponent
        let name = (destination as NSString).lastPathComponent
        let temp = "\(directory)/.\(name).tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        guard link(source, temp) == 0 else { return false }
        guard rename(temp, destination) == 0 else {
            unlink(temp)
            return false
        }
        // When `destination` already was a name of the same file (archived again on resume),
        // rename(2) does nothing and leaves `temp` in place: remove it. Otherwise it is gone.
        unlink(temp)
        return true
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
