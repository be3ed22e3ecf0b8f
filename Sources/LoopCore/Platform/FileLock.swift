import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The exclusive `flock` on `.loop/lock` that makes one PM per bus.
///
/// The kernel drops the lock when the holder dies, so a dead owner can never block a bus;
/// the file's content (owner pid, host, run id, start time) only names the owner in messages.
/// The lock file is never deleted by `loop`; the bus folder is locked as well, so even a lock
/// file removed by hand cannot let a second PM in.
package final class FileLock: Sendable {
    /// Who holds (or held) the lock, as written into the lock file.
    package struct Owner: Codable, Sendable, Equatable {
        package var pid: Int32
        package var host: String
        package var runID: String
        package var startedAt: String

        enum CodingKeys: String, CodingKey {
            case pid, host
            case runID = "run_id"
            case startedAt = "started_at"
        }

        package init(pid: Int32, host: String, runID: String, startedAt: String) {
            self.pid = pid
            self.host = host
            self.runID = runID
            self.startedAt = startedAt
        }

        package var summary: String { "pid \(pid) on \(host), run \(runID), since \(startedAt)" }
    }

    package let path: String
    private let fd: Int32
    /// The bus folder, locked too: a lock file removed by hand cannot let a second PM in.
    private let directoryFD: Int32

    private init(path: String, fd: Int32, directoryFD: Int32) {
        self.path = path
        self.fd = fd
        self.directoryFD = directoryFD
    }

    deinit {
        close(fd)
        close(directoryFD)
    }

    /// The result of trying to take the lock.
    package enum Acquisition: Sendable {
        /// Taken; `previousOwner` is set when a dead owner's lock was taken over.
        case acquired(FileLock, previousOwner: Owner?)
        /// A live process holds it.
        case heldBy(Owner?)
    }

    /// Tries to take the lock without waiting.
    ///
    /// Both the bus folder and the lock file are locked: the folder is what really excludes a
    /// second PM (someone may delete the file), the file names the owner for messages.
    package static func acquire(at path: String, owner: Owner) throws -> Acquisition {
        let directory = (path as NSString).deletingLastPathComponent
        try Filesystem.createDirectory(directory)
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else { throw LoopError.io(operation: "Opening", path: directory, errno: errno) }
        if flock(directoryFD, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(directoryFD)
            if code == EWOULDBLOCK { return .heldBy(readOwner(at: path)) }
            throw LoopError.io(operation: "Locking", path: directory, errno: code)
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            close(directoryFD)
            throw LoopError.io(operation: "Opening lock", path: path, errno: errno)
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(fd)
            close(directoryFD)
            if code == EWOULDBLOCK { return .heldBy(readOwner(at: path)) }
            throw LoopError.io(operation: "Locking", path: path, errno: code)
        }
        let previous = readOwner(at: path)
        let data = (try? JSONEncoder.bus.encode(owner)) ?? Data()
        _ = ftruncate(fd, 0)
        _ = lseek(fd, 0, SEEK_SET)
        try AtomicFile.writeAll(fd, data + Data("\n".utf8), path: path)
        _ = fsync(fd)
        let takenOver = previous.flatMap { $0.pid != getpid() ? $0 : nil }
        return .acquired(FileLock(path: path, fd: fd, directoryFD: directoryFD), previousOwner: takenOver)
    }

    /// Records the run id once the run is known, so messages and `status` can name it.
    package func update(owner: Owner) {
        guard let data = try? JSONEncoder.bus.encode(owner) else { return }
        _ = ftruncate(fd, 0)
        _ = lseek(fd, 0, SEEK_SET)
        try? AtomicFile.writeAll(fd, data + Data("\n".utf8), path: path)
        _ = fsync(fd)
    }

    /// Empties the lock file before a clean release: an owner left in the file afterwards
    /// means its PM died holding it.
    package func releaseCleanly() {
        _ = ftruncate(fd, 0)
        _ = fsync(fd)
    }

    /// Reads the owner recorded in a lock file, if any.
    package static func readOwner(at path: String) -> Owner? {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return nil }
        return try? JSONDecoder().decode(Owner.self, from: data)
    }

    /// True when some process holds the lock right now (tested with non-blocking shared
    /// tries on the bus folder and the lock file; nothing is taken).
    package static func isHeld(at path: String) -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        for (target, flags) in [(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY), (path, O_RDONLY)] {
            let fd = open(target, flags | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            if flock(fd, LOCK_SH | LOCK_NB) != 0 {
                if errno == EWOULDBLOCK { return true }
            } else {
                flock(fd, LOCK_UN)
            }
        }
        return false
    }

    /// True when this lock's inode is still the one at `path` (a removed lock file is detected).
    package var isStillLinked: Bool {
        var held = stat()
        var onDisk = stat()
        guard fstat(fd, &held) == 0, stat(path, &onDisk) == 0 else { return false }
        return held.st_ino == onDisk.st_ino && held.st_dev == onDisk.st_dev
    }
}
