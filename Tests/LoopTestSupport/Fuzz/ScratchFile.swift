#if canImport(Glibc)
    import Glibc
#endif
package import Foundation

/// A file rewritten in place for every input (truncate + write on one descriptor): creating
/// and renaming a file per input costs milliseconds here, rewriting one costs microseconds.
package final class ScratchFile: Sendable {
    package let path: String
    private let fd: Int32

    package init(path: String) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SetupFailure("cannot open \(path): errno \(errno)") }
    }

    deinit { close(fd) }

    /// Replaces the file's bytes with `data`; returns its path.
    @discardableResult
    package func overwrite(with data: Data) -> String {
        _ = ftruncate(fd, 0)
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = pwrite(fd, buffer.baseAddress?.advanced(by: offset), buffer.count - offset, off_t(offset))
                if written <= 0 { break }
                offset += written
            }
        }
        return path
    }
}
