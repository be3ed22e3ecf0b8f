import CLoopShims

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The pipe a PM tells a standby round subprocess its round through: the child reads one line,
/// the round number, on its standard input; end of file means "not needed, exit".
///
/// Both ends are close-on-exec, so no other child of the PM (an agent, git) keeps the write end
/// open: when the PM closes it or dies, the standby sees end of file at once.
package enum GoPipe {
    /// A new pipe: the read end for the child's stdin, the write end for the PM.
    static func make() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        // Close-on-exec from the start: a child another task spawns meanwhile must not hold it.
        guard loop_pipe_cloexec(&fds) == 0 else {
            throw LoopError.io(operation: "Creating a pipe for a round subprocess", path: "", errno: errno)
        }
        return (fds[0], fds[1])
    }

    /// Writes `line` and a newline; false when the reader is gone (it exited).
    static func send(_ line: String, to fd: Int32) -> Bool {
        let bytes = Array((line + "\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + sent }, bytes.count - sent) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    /// Blocks until a whole line arrives on `fd` (without its newline), or nil at end of file
    /// or on an error.
    package static func readLine(from fd: Int32 = STDIN_FILENO) -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(fd, &byte, 1)
            if count < 0, errno == EINTR { continue }
            guard count == 1 else { return nil }
            if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            guard line.count < 64 else { return nil }
            line.append(byte)
        }
    }
}
