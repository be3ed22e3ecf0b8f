import Foundation
import Subprocess
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

#if canImport(System)
    import System
#else
    import SystemPackage
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
        let log = OutputLog(path: spec.logPath, limit: spec.logLimitBytes)
        let stdinFD = try openInput(spec.stdinFile)
        var options = PlatformOptions()
        options.createSession = spec.newSession
        let started = ContinuousClock.now
        let startedSecond = ProcessControl.realtimeSecond()
        let endReason = Locked<ProcessEnd>(.exited)
        let pidCell = Locked<pid_t>(0)

        let result: ExecutionResult<Void, SequenceOutput, SequenceOutput>
        do {
            result = try await Subprocess.run(
                try executable(program, searchPath: spec.environment["PATH"]),
                arguments: Arguments(Array(spec.arguments.dropFirst())),
                environment: environment(spec), workingDirectory: FilePath(spec.workingDirectory),
                platformOptions: options, input: .fileDescriptor(stdinFD, closeAfterSpawningProcess: true),
                output: .sequence, error: .sequence
            ) { execution in
                let pid = execution.processIdentifier.value
                pidCell.set(pid)
                let readersDone = Locked(0)
                // The watcher wakes on a 50 ms tick, and at once when a reader reaches the end
                // of its pipe, so an agent's exit is noticed in about a millisecond.
                let (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        await drain(execution.standardOutput, .stdout, spec: spec, log: log, onLine: onLine)
                        readersDone.withLock { $0 += 1 }
                        wake.yield()
                    }
                    group.addTask {
                        await drain(execution.standardError, .stderr, spec: spec, log: log, onLine: onLine)
                        readersDone.withLock { $0 += 1 }
                        wake.yield()
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
                            readersDone: readersDone, wakeups: wakeups)
                        ticker.cancel()
                    }
                    await group.waitForAll()
                    ticker.cancel()
                }
                // Whatever the child left in its group (daemonised helpers, grandchildren) goes too.
                if spec.killLeftoversOnExit || endReason.value != .exited { ProcessControl.signalGroup(pid, SIGKILL) }
            }
        } catch let error as SubprocessError {
            try? stdinFD.close()
            throw LoopError.other(
                "Cannot start \(program): \(error.description). Check that it is installed and on PATH.", .configError)
        }
        let pid = pidCell.value
        if spec.killLeftoversOnExit || endReason.value != .exited {
            ProcessControl.signalGroup(pid, SIGKILL)
            // SIGKILL is delivered asynchronously: wait (briefly) until the group is really gone,
            // so callers can rely on "nothing left behind" when this returns.
            let deadline = ContinuousClock.now + .seconds(1)
            while spec.newSession, ProcessControl.isGroupAlive(pid, createdAt: startedSecond), ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        var end = endReason.value
        if Task.isCancelled, end == .exited { end = .cancelled }
        var exitCode: Int32?
        var signal: Int32?
        switch result.terminationStatus {
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
    static func executable(_ program: String, searchPath: String? = nil) throws -> Executable {
        if program.contains("/") { return .path(FilePath(program)) }
        guard let path = ExecutableLocator.locate(program, searchPath: searchPath) else {
            throw LoopError.other("\(program) is not installed or not on PATH.", .configError)
        }
        return .path(FilePath(path))
    }

    /// The program of a command line (its first word).
    /// - Throws: `LoopError.config` for an empty command line.
    static func programName(of arguments: [String]) throws -> String {
        guard let program = arguments.first else {
            throw LoopError.config("Nothing to run: the command line is empty.")
        }
        return program
    }

    /// Our environment with `changes` applied, for children that inherit the rest.
    static func inherited(updating changes: [String: String]) -> Environment {
        var keyed: [Environment.Key: String?] = [:]
        for (key, value) in changes {
            if let key = Environment.Key(rawValue: key) { keyed[key] = value }
        }
        return Environment.inherit.updating(keyed)
    }

    /// The exit code as a shell reports it: 128 + n when the child was killed by signal n.
    static func exitCode(_ status: TerminationStatus) -> Int32 {
        switch status {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }

    private static func environment(_ spec: ProcessSpec) -> Environment {
        var values = ProcessInfo.processInfo.environment
        for key in spec.removedEnvironment { values.removeValue(forKey: key) }
        values.merge(spec.environment) { _, new in new }
        var keyed: [Environment.Key: String] = [:]
        for (key, value) in values {
            if let key = Environment.Key(rawValue: key) { keyed[key] = value }
        }
        return .custom(keyed)
    }

    static func openInput(_ path: String?) throws -> FileDescriptor {
        let target = path ?? "/dev/null"
        do {
            return try FileDescriptor.open(FilePath(target), .readOnly, options: [.closeOnExec])
        } catch {
            throw LoopError.io(operation: "Opening stdin file", path: target, errno: errno)
        }
    }

    private static func drain(
        _ sequence: SubprocessOutputSequence, _ stream: OutputStream, spec: ProcessSpec, log: OutputLog,
        onLine: @Sendable (OutputStream, String) -> Void
    ) async {
        var splitter = LineSplitter(maxLineBytes: spec.maxLineBytes)
        do {
            for try await buffer in sequence {
                log.touch()
                let lines = buffer.withUnsafeBytes { splitter.feed($0) }
                log.append(lines, stream: stream)
                for line in lines { onLine(stream, line) }
            }
        } catch {
            // The pipe broke or we were cancelled: what was read is kept.
        }
        if let last = splitter.finish() {
            log.append(last, stream: stream)
            onLine(stream, last)
        }
    }

    /// Enforces the limits until the output is read to the end and the child has exited (an
    /// agent that closes its pipes and goes on working is still running), a limit fires, or
    /// we are cancelled.
    private static func watch(
        pid: pid_t, spec: ProcessSpec, log: OutputLog, started: ContinuousClock.Instant,
        endReason: Locked<ProcessEnd>, readersDone: Locked<Int>, wakeups: AsyncStream<Void>
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
            if readersDone.value == 2 {
                // Both pipes closed: the child is almost always exiting right now. (A `for … where`
                // here asked 40 times even after the child was gone: half a millisecond a run.)
                var polls = 0
                while polls < 40, ProcessControl.isAlive(pid) {
                    try? await Task.sleep(for: .milliseconds(1))
                    polls += 1
                }
                if !ProcessControl.isAlive(pid) { return }
            } else if !ProcessControl.isAlive(pid) {
                // The direct child is gone but something it left holds the pipes open: end it.
                let since = childGoneSince ?? now
                childGoneSince = since
                if now - since >= .seconds(2) {
                    ProcessControl.signalGroup(pid, SIGKILL)
                    return
                }
            }
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
