#if canImport(Glibc)
    import Glibc
#endif
package import Foundation
import LoopCore

/// How a `loop` process ended and what it printed.
package struct LoopResult: Sendable {
    /// The exit code, or 128 + n when it was killed by signal n.
    package var exitCode: Int32
    package var stdout: String
    package var stderr: String
    package var seconds: Double

    /// stdout then stderr.
    package var output: String { stdout + "\n" + stderr }

    /// Non-empty stderr lines.
    package var errorLines: [String] {
        stderr.split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}

/// A running `loop` process: its own session and process group (pgid == pid, as with
/// `setsid`), output collected line by line as it arrives.
///
/// Started through `bash -c 'echo $$ > pidfile; exec loop …'` so the test knows the PM's pid
/// while it runs, to signal it or to kill its whole group.
package final class LoopProcess: Sendable {
    private let pidFile: String
    private let stdoutLines = Locked<[String]>([])
    private let stderrLines = Locked<[String]>([])
    private let task: Task<LoopResult, any Error>

    /// Starts `loop <arguments>` in `directory`.
    /// - Parameters:
    ///   - environment: variables added for this run; every inherited `LOOP_*` is dropped so a
    ///     developer's shell cannot change what a test sees.
    ///   - unset: inherited variables to drop besides `LOOP_*`.
    ///   - limit: the test's safety net; the group is killed after it.
    package init(
        _ arguments: [String], in directory: String, environment: [String: String] = [:], unset: [String] = [],
        limit: Duration = .seconds(90)
    ) {
        pidFile = NSTemporaryDirectory() + "loop-test-pid-\(UUID().uuidString)"
        let inherited = ProcessInfo.processInfo.environment.keys.filter { $0.hasPrefix("LOOP_") } + unset
        var env = ["NO_COLOR": "1"]
        env.merge(environment) { _, new in new }
        let spec = ProcessSpec(
            arguments: ["/bin/bash", "-c", "echo $$ > \"$0\"; exec \"$@\"", pidFile, LoopBinary.path] + arguments,
            workingDirectory: directory, environment: env, removedEnvironment: Array(inherited), timeout: limit,
            killGrace: .seconds(2))
        let out = stdoutLines
        let err = stderrLines
        task = Task {
            let started = ContinuousClock.now
            let outcome = try await ProcessRunner.run(spec) { stream, line in
                switch stream {
                case .stdout: out.withLock { $0.append(line) }
                case .stderr: err.withLock { $0.append(line) }
                }
            }
            return LoopResult(
                exitCode: outcome.exitCode ?? (128 + (outcome.signal ?? 0)),
                stdout: out.value.joined(separator: "\n"), stderr: err.value.joined(separator: "\n"),
                seconds: (ContinuousClock.now - started).seconds)
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: pidFile)
    }

    /// Waits for the process to end.
    package func wait() async throws -> LoopResult {
        try await task.value
    }

    /// stdout and stderr printed so far.
    package var outputSoFar: String {
        (stdoutLines.value + stderrLines.value).joined(separator: "\n")
    }

    /// The PM's pid (also its process group id).
    package func pid() async throws -> pid_t {
        var found: pid_t?
        try await eventually("loop wrote its pid", timeout: .seconds(10)) {
            found = (try? String(contentsOfFile: pidFile, encoding: .utf8))
                .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            return found != nil
        }
        return found ?? 0
    }

    /// Sends `signal` to the PM alone (a terminal's Ctrl+C goes to the whole group instead).
    package func send(_ signal: Int32) async throws {
        kill(try await pid(), signal)
    }

    /// SIGKILL to the PM's whole process group, as `kill -9 -<pgid>` does.
    package func killGroup() async throws {
        kill(-(try await pid()), SIGKILL)
    }
}

/// Runs `loop <arguments>` in `directory` to its end.
package func runLoop(
    _ arguments: [String], in directory: String, environment: [String: String] = [:], unset: [String] = [],
    limit: Duration = .seconds(90)
) async throws -> LoopResult {
    try await LoopProcess(arguments, in: directory, environment: environment, unset: unset, limit: limit).wait()
}
