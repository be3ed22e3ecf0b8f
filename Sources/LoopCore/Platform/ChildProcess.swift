import CLoopShims
package import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Starts children with `posix_spawn` and waits for them on a thread of their own.
///
/// Why not swift-subprocess here: on Linux it starts a child with a full `clone` (the PM's page
/// tables copied: the bigger the PM, the slower) and learns of its exit through a monitor thread
/// and several task hops — measured here, 0.5–0.9 ms more per child than `posix_spawn` (glibc's
/// vfork path) and a blocking wait, and a round starts three or four git processes and its own
/// subprocess one after the other. A blocking wait never runs on a thread of Swift's cooperative
/// pool.
package enum ChildProcess {
    /// posix_spawn failed: the errno (ENOENT for a missing program, EACCES, …).
    package struct SpawnFailure: Error, Sendable {
        package let errno: Int32
    }

    /// Starts `path` with `arguments` (the first is the name the program sees) and `environment`
    /// ("KEY=value" entries) in `directory`, on the given standard streams; every other
    /// descriptor is closed in the child, no signal is blocked or ignored there. In our process
    /// group, or in a new session when `newSession` (a group of its own, for killing it whole).
    package static func spawn(
        path: String, arguments: [String], environment: [String], directory: String,
        stdin: Int32, stdout: Int32, stderr: Int32, newSession: Bool = false
    ) throws(SpawnFailure) -> pid_t {
        var pid: Int32 = 0
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        let result = loop_spawn(&pid, path, argv, envp, directory, stdin, stdout, stderr, newSession ? 1 : 0)
        for pointer in argv + envp { free(pointer) }
        guard result == 0 else { throw SpawnFailure(errno: result) }
        return pid
    }

    /// Our environment as "KEY=value" entries, read from `environ` as it is now (a variable set
    /// in-process included), with `changes` applied.
    package static func environment(updating changes: [String: String]) -> [String] {
        var entries: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            let key = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            if changes[String(key)] == nil { entries.append(text) }
            pointer += 1
        }
        for (key, value) in changes { entries.append("\(key)=\(value)") }
        return entries
    }

    /// Waits for `pid` to exit, on a thread of its own, and reaps it; the exit code as a shell
    /// reports it (128 + n when killed by signal n). `beforeReaping` runs once the child has
    /// exited and before it is reaped: until then its pid cannot be reused, so whoever may
    /// still signal it stops there.
    package static func exitCode(of pid: pid_t, beforeReaping: @escaping @Sendable () -> Void = {}) async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let thread = Thread {
                continuation.resume(returning: waitForExit(pid, beforeReaping: beforeReaping))
            }
            thread.start()
        }
    }

    /// `exitCode(of:)` on the calling thread (it blocks).
    static func waitForExit(_ pid: pid_t, beforeReaping: () -> Void) -> Int32 {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0, errno == EINTR {}
        beforeReaping()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
