import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a child's output pipes to their ends on a thread of its own, handing over every chunk
/// as it arrives: one `poll` for all of them, so a child writing to one pipe never waits on us
/// reading the other, and no thread of Swift's cooperative pool blocks.
enum PipePump {
    /// Reads `fds` until each is at end of file (or fails to read), calling `chunk(index, bytes)`
    /// for what arrives on `fds[index]` and `ended(index)` once it is done; closes them.
    static func drain(
        _ fds: [Int32], chunk: @escaping @Sendable (Int, UnsafeRawBufferPointer) -> Void,
        ended: @escaping @Sendable (Int) -> Void
    ) async {
        await OwnThread.run { drainBlocking(fds, chunk: chunk, ended: ended) }
    }

    private static func drainBlocking(
        _ fds: [Int32], chunk: (Int, UnsafeRawBufferPointer) -> Void, ended: (Int) -> Void
    ) {
        var open = Array(fds.indices)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !open.isEmpty {
            var polled = open.map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }
            if poll(&polled, nfds_t(polled.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for (entry, index) in zip(polled, open) where entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(fds[index], $0.baseAddress, $0.count) }
                if count > 0 {
                    buffer.withUnsafeBytes { chunk(index, UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(fds[index])
                    open.removeAll { $0 == index }
                    ended(index)
                }
            }
        }
        // poll itself failed (it does not, short of a bad descriptor): what is left ends here.
        for index in open {
            close(fds[index])
            ended(index)
        }
    }
}
