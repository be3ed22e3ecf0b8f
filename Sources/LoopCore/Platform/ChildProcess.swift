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
    /// posix_spawn (or a pipe for it) failed: the errno (ENOENT for a missing program, EACCES, …).
    package struct SpawnFailure: Error, Sendable {
        package let errno: Int32
    }

    /// Starts `path` with `arguments` (the first is the name the program sees) and `environment`
    /// ("KEY=value" entries) in `directory`, on the given standard streams; every other
    /// descriptor is closed in the child, no signal is blocked or ignored there. In our process
    /// group, or in a new session when `newSession` (a group of its own, for killing it whole).
    /// `fd3`, if given, is the child's descriptor 3. Call it only from a thread that lives until
    /// the child has exited (see `start`).
    static func spawn(
        path: String, arguments: [String], environment: [String], directory: String,
        stdin: Int32, stdout: Int32, stderr: Int32, fd3: Int32? = nil, newSession: Bool = false
    ) throws(SpawnFailure) -> pid_t {
        var pid: Int32 = 0
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        let result = loop_spawn(
            &pid, path, argv, envp, directory, stdin, stdout, stderr, fd3 ?? -1, newSession ? 1 : 0)
        for pointer in argv + envp { free(pointer) }
        guard result == 0 else { throw SpawnFailure(errno: result) }
        return pid
    }

    /// A pipe whose ends are close-on-exec from the start (no child another thread spawns
    /// meanwhile inherits them).
    static func makePipe() throws(SpawnFailure) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard loop_pipe_cloexec(&fds) == 0 else { throw SpawnFailure(errno: errno) }
        return (fds[0], fds[1])
    }

    /// Our environment as "KEY=value" entries, read from `environ` as it is now (a variable set
    /// in-process included), without the `removed` variables and with `changes` applied.
    package static func environment(updating changes: [String: String], removing removed: Set<String> = []) -> [String]
    {
        var entries: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            let key = String(text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            if changes[key] == nil, !removed.contains(key) { entries.append(text) }
            pointer += 1
        }
        for (key, value) in changes { entries.append("\(key)=\(value)") }
        return entries
    }

    /// How a child ended.
    package enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)

        /// The exit code as a shell reports it: 128 + n when killed by signal n.
        package var shellCode: Int32 {
            switch self {
            case .exited(let code): code
            case .signaled(let signal): 128 + signal
            }
        }
    }

    /// Starts a child (as `spawn`) from a thread of its own that then waits for it to exit and
    /// reaps it. `onExit` runs once the child has exited and before it is reaped: until then its
    /// pid cannot be reused, so whoever may still signal it stops there.
    ///
    /// Why a thread of its own: a parent-death signal (`PR_SET_PDEATHSIG`, which round
    /// subprocesses and bubblewrap's `--die-with-parent` set) fires when the *thread* that
    /// started the child ends, and the threads of Swift's pool end after a few idle seconds. This
    /// thread ends only after its child has.
    package static func start(
        path: String, arguments: [String], environment: [String], directory: String,
        stdin: Int32, stdout: Int32, stderr: Int32, fd3: Int32? = nil, newSession: Bool = false,
        onExit: @escaping @Sendable () -> Void = {}
    ) async throws(SpawnFailure) -> Running {
        let started = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<Running, SpawnFailure>, Never>) in
            let thread = Thread {
                let pid: pid_t
                do throws(SpawnFailure) {
                    pid = try spawn(
                        path: path, arguments: arguments, environment: environment, directory: directory,
                        stdin: stdin, stdout: stdout, stderr: stderr, fd3: fd3, newSession: newSession)
                } catch {
                    continuation.resume(returning: .failure(error))
                    return
                }
                let child = Running(pid: pid)
                continuation.resume(returning: .success(child))
                child.finish(waitForExit(pid, beforeReaping: onExit))
            }
            thread.start()
        }
        return try started.get()
    }

    /// A child started by `start`: its pid, and its end once it comes.
    package final class Running: Sendable {
        package let pid: pid_t
        private let state = Locked<State>(.running([]))

        private enum State {
            case running([CheckedContinuation<Termination, Never>])
            case ended(Termination)
        }

        init(pid: pid_t) {
            self.pid = pid
        }

        /// Waits until the child has exited and been reaped.
        package func termination() async -> Termination {
            await withCheckedContinuation { continuation in
                let ended: Termination? = state.withLock { state in
                    switch state {
                    case .ended(let termination):
                        return termination
                    case .running(let waiting):
                        state = .running(waiting + [continuation])
                        return nil
                    }
                }
                if let ended { continuation.resume(returning: ended) }
            }
        }

        fileprivate func finish(_ termination: Termination) {
            let waiting = state.withLock { state -> [CheckedContinuation<Termination, Never>] in
                guard case .running(let waiting) = state else { return [] }
                state = .ended(termination)
                return waiting
            }
            for continuation in waiting { continuation.resume(returning: termination) }
        }
    }

    /// Waits for `pid` to exit and reaps it, on the calling thread (it blocks).
    static func waitForExit(_ pid: pid_t, beforeReaping: () -> Void) -> Termination {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0, errno == EINTR {}
        beforeReaping()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }
}
