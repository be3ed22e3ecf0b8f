#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The pipes between the PM and a standby round subprocess. `go`: the PM tells the child its
/// round, one line (the round number) on the child's standard input; end of file means "not
/// needed, exit". `done`: the child tells the PM, one line (its exit code) on its descriptor 3,
/// that it has written everything of its round and is only exiting: the PM goes on while the
/// kernel tears the old process down (measured, about half a millisecond a round).
///
/// Both ends of both are close-on-exec, so no other child of the PM (an agent, git) keeps a
/// write end open: when the PM closes one or dies, the standby sees end of file at once, and a
/// round process that dies without saying `done` closes its end by dying.
package enum GoPipe {
    /// Names the descriptor a round subprocess says `done` on (set by the PM for it).
    package static let doneVariable = "LOOP_ROUND_DONE_FD"

    /// A new pipe: the read end for the child's stdin, the write end for the PM.
    static func make() throws -> (read: Int32, write: Int32) {
        do {
            return try ChildProcess.makePipe()
        } catch {
            throw LoopError.io(operation: "Creating a pipe for a round subprocess", path: "", errno: error.errno)
        }
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

    /// In a round subprocess the PM started: the descriptor to say `done` on, nil when there is
    /// none. The variable is taken out of the environment (nothing this process starts sees it)
    /// and the descriptor made close-on-exec, and anything but a pipe is left alone: a process
    /// that merely inherited the variable must not write into whatever its descriptor 3 is.
    package static func takeDoneDescriptor() -> Int32? {
        guard let value = Platform.environmentValue(doneVariable) else { return nil }
        unsetenv(doneVariable)
        guard let fd = Int32(value), fd > 2 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFIFO else { return nil }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    /// Says `done` with the process's exit code on `fd` (from `takeDoneDescriptor`), once every
    /// file of the round is written: nothing but the exit follows.
    package static func sayDone(code: Int32, on fd: Int32) {
        _ = send(String(code), to: fd)
        close(fd)
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
