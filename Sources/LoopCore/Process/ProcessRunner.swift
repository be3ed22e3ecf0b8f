import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs agents, verify commands and git: each child in its own session and process group,
/// output streamed line by line, limits enforced on the whole group, nothing left behind.
package enum ProcessRunner {
    /// Runs `spec` to completion, calling `onLine` for every line of stdout and stderr.
    ///
    /// Timeout and idle timeout send SIGTERM to the child's group, wait `killGrace`, then
    /// SIGKILL it. When the direct child exits, any group member it left behind is killed.
    /// Cancelling the calling task kills the group and returns `end == .cancelled`.
    /// - Throws: `LoopError` when the program cannot be started.
    package static func run(
        _ spec: ProcessSpec, onLine: @escaping @Sendable (OutputStream, String) -> Void
    ) async throws -> ProcessOutcome {
        let program = try programName(of: spec.arguments)
        let path = try executablePath(program, searchPath: spec.environment["PATH"])
        let log = OutputLog(path: spec.logPath, limit: spec.logLimitBytes)
        let stdin = try openInput(spec.stdinFile)
        let output: (read: Int32, write: Int32)
        let errors: (read: Int32, write: Int32)
        do throws(ChildProcess.SpawnFailure) {
            output = try ChildProcess.makePipe()
            do {
                errors = try ChildProcess.makePipe()
            } catch {
                close(output.read)
                close(output.write)
                throw error
            }
        } catch {
            close(stdin)
            throw LoopError.other(
                "Cannot start \(program): no pipe for its output (\(Platform.errorText(error.errno))).",
                .configError)
        }
        let started = ContinuousClock.now
        let startedSecond = ProcessControl.realtimeSecond()
        let exited = Locked(false)
        // The watcher wakes on a 50 ms tick, and at once when a pipe reaches its end or the child
        // exits, so an agent's end is noticed within a fraction of a millisecond.
        let (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let child: ChildProcess.Running
        do {
            defer {
                close(stdin)
                close(output.write)
                close(errors.write)
            }
            child = try await ChildProcess.start(
                path: path, arguments: spec.arguments, environment: environment(spec),
                directory: spec.workingDirectory, stdin: stdin, stdout: output.write, stderr: errors.write,
                newSession: spec.newSession
            ) {
                exited.set(true)
                wake.yield()
            }
        } catch {
            close(output.read)
            close(errors.read)
            throw LoopError.other(
                "Cannot start \(program): \(Platform.errorText(error.errno)). Check that it is installed and on PATH.",
                .configError)
        }
        let pid = child.pid
        let endReason = Locked<ProcessEnd>(.exited)
        let readersDone = Locked(0)
        let streams: [OutputStream] = [.stdout, .stderr]
        let splitters = streams.map { _ in Locked(LineSplitter(maxLineBytes: spec.maxLineBytes)) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await PipePump.drain(
                    [output.read, errors.read],
                    chunk: { index, bytes in
                        log.touch()
                        let lines = splitters[index].withLock { $0.feed(bytes) }
                        log.append(lines, stream: streams[index])
                        for line in lines { onLine(streams[index], line) }
                    },
                    ended: { index in
                        if let last = splitters[index].withLock({ $0.finish() }) {
                            log.append(last, stream: streams[index])
                            onLine(streams[index], last)
                        }
                        readersDone.withLock { $0 += 1 }
                        wake.yield()
                    })
            }
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(50))
                    wake.yield()
                }
            }
            group.addTask {
                await watch(
                    pid: pid, spec: spec, log: log, started: started, endReason: endReason,
                    readersDone: readersDone, exited: exited, wakeups: wakeups)
                ticker.cancel()
            }
            await group.waitForAll()
            ticker.cancel()
        }
        if spec.killLeftoversOnExit || endReason.value != .exited {
            // Whatever the child left in its group (daemonised helpers, grandchildren) goes too.
            ProcessControl.signalGroup(pid, SIGKILL)
            // SIGKILL is delivered asynchronously: wait (briefly) until the group is really gone,
            // so callers can rely on "nothing left behind" when this returns.
            let deadline = ContinuousClock.now + .seconds(1)
            while spec.newSession, ProcessControl.isGroupAlive(pid, createdAt: startedSecond),
                ContinuousClock.now < deadline
            {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        let ended = await child.termination()
        var end = endReason.value
        if Task.isCancelled, end == .exited { end = .cancelled }
        var exitCode: Int32?
        var signal: Int32?
        switch ended {
        case .exited(let code): exitCode = code
        case .signaled(let number): signal = number
        }
        let duration = ContinuousClock.now - started
        return ProcessOutcome(
            end: end, exitCode: exitCode, signal: signal, duration: duration.seconds, outputTail: log.tailText,
            pid: pid)
    }

    // MARK: - Pieces

    /// The program as an absolute path (one spawn, no PATH probing), or a clear error.
    ///
    /// A program given as a path is handed over as it is: a relative one is found from the
    /// child's working directory, and a missing one fails to spawn with the system's reason.
    static func executablePath(_ program: String, searchPath: String? = nil) throws -> String {
        if program.contains("/") { return program }
        guard let path = ExecutableLocator.locate(program, searchPath: searchPath) else {
            throw LoopError.other("\(program) is not installed or not on PATH.", .configError)
        }
        return path
    }

    /// The program of a command line (its first word).
    /// - Throws: `LoopError.config` for an empty command line.
    static func programName(of arguments: [String]) throws -> String {
        guard let program = arguments.first else {
            throw LoopError.config("Nothing to run: the command line is empty.")
        }
        return program
    }

    /// Our environment without `spec.removedEnvironment`, with `spec.environment` applied.
    private static func environment(_ spec: ProcessSpec) -> [String] {
        ChildProcess.environment(updating: spec.environment, removing: Set(spec.removedEnvironment))
    }

    static func openInput(_ path: String?) throws -> Int32 {
        let target = path ?? "/dev/null"
        let fd = open(target, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LoopError.io(operation: "Opening stdin file", path: target, errno: errno) }
        return fd
    }

    /// Enforces the limits until the output is read to the end and the child has exited (an
    /// agent that closes its pipes and goes on working is still running), a limit fires, or
    /// we are cancelled.
    private static func watch(
        pid: pid_t, spec: ProcessSpec, log: OutputLog, started: ContinuousClock.Instant,
        endReason: Locked<ProcessEnd>, readersDone: Locked<Int>, exited: Locked<Bool>, wakeups: AsyncStream<Void>
    ) async {
        var childGoneSince: ContinuousClock.Instant?
        for await _ in wakeups {
            let now = ContinuousClock.now
            if let timeout = spec.timeout, now - started >= timeout {
                endReason.set(.timedOut)
                log.note("timed out after \(timeout); stopping the process group")
                await stopGroup(pid, grace: spec.killGrace)
                return
            }
            if let idle = spec.idleTimeout, now - log.lastOutput >= idle {
                endReason.set(.idle)
                log.note("no output for \(idle); treating it as hung and stopping the process group")
                await stopGroup(pid, grace: spec.killGrace)
                return
            }
            if exited.value {
                if readersDone.value == 2 { return }
                // The direct child is gone but something it left holds the pipes open: end it.
                let since = childGoneSince ?? now
                childGoneSince = since
                if now - since >= .seconds(2) {
                    ProcessControl.signalGroup(pid, SIGKILL)
                    return
                }
            }
            // Both pipes closed while the child still runs: it is almost always exiting right
            // now, and its exit wakes this loop.
        }
        // The stream ends only when our task is cancelled (a signal to the PM).
        endReason.set(.cancelled)
        log.note("cancelled; stopping the process group")
        await stopGroup(pid, grace: spec.killGrace)
    }

    /// TERM, grace, KILL — in an unstructured task so our own cancellation cannot cut the grace short.
    private static func stopGroup(_ pid: pid_t, grace: Duration) async {
        await Task { await ProcessControl.terminateGroup(pid, grace: grace) }.value
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    package var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
