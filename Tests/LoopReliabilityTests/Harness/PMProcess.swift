#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore

/// How a `loop` process ended and what it printed.
struct PMResult: Sendable {
    /// The exit code, or 128 + n when it was killed by signal n.
    var exitCode: Int32
    var stdout: String
    var stderr: String
    var seconds: Double

    /// stdout and stderr together.
    var output: String { stdout + "\n" + stderr }
}

/// A `loop` process started by a test, in its own session (pgid == pid, as `setsid` gives).
///
/// Started as `bash -c 'echo $$ >pidfile; exec loop …'` so the test knows the PM's pid while
/// it runs. Every inherited `LOOP_*` variable is dropped: only what the test passes counts.
final class PMProcess: Sendable {
    private let pidFile: String
    private let outLines = Locked<[String]>([])
    private let errLines = Locked<[String]>([])
    private let task: Task<PMResult, any Error>

    init(_ arguments: [String], in directory: String, environment: [String: String] = [:], limit: Duration = .seconds(90)) {
        pidFile = NSTemporaryDirectory() + "loop-rel-pid-\(UUID().uuidString)"
        let inherited = ProcessInfo.processInfo.environment.keys.filter { $0.hasPrefix("LOOP_") }
        var env = ["NO_COLOR": "1"]
        env.merge(environment) { _, new in new }
        let spec = ProcessSpec(
            arguments: ["/bin/bash", "-c", "echo $$ > \"$0\"; exec \"$@\"", pidFile, Binary.loop] + arguments,
            workingDirectory: directory, environment: env, removedEnvironment: Array(inherited), timeout: limit,
            killGrace: .seconds(2))
        let out = outLines
        let err = errLines
        task = Task {
            let started = ContinuousClock.now
            let outcome = try await ProcessRunner.run(spec) { stream, line in
                switch stream {
                case .stdout: out.withLock { $0.append(line) }
                case .stderr: err.withLock { $0.append(line) }
                }
            }
            return PMResult(
                exitCode: outcome.exitCode ?? (128 + (outcome.signal ?? 0)),
                stdout: out.value.joined(separator: "\n"), stderr: err.value.joined(separator: "\n"),
                seconds: (ContinuousClock.now - started).seconds)
        }
    }

    deinit { unlink(pidFile) }

    func wait() async throws -> PMResult { try await task.value }

    /// stdout and stderr printed so far.
    var outputSoFar: String { (outLines.value + errLines.value).joined(separator: "\n") }

    /// The PM's pid (also its process group id).
    func pid() async throws -> pid_t {
        var found: pid_t?
        try await eventually("loop wrote its pid", timeout: .seconds(10)) {
            found = (try? String(contentsOfFile: pidFile, encoding: .utf8))
                .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            return found != nil
        }
        return found ?? 0
    }

    /// Sends `signal` to the PM alone (as a terminal's Ctrl+C does not: that goes to the group).
    func send(_ signal: Int32) async throws {
        kill(try await pid(), signal)
    }

    /// SIGKILL to the PM's whole process group.
    func killGroup() async throws {
        kill(-(try await pid()), SIGKILL)
    }
}

/// Runs `loop <arguments>` to its end.
func runPM(
    _ arguments: [String], in directory: String, environment: [String: String] = [:], limit: Duration = .seconds(90)
) async throws -> PMResult {
    try await PMProcess(arguments, in: directory, environment: environment, limit: limit).wait()
}

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting until \(what)" }
}

/// A failure of the test's own setup.
struct SetupFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` every 25 ms until it holds; throws `TimedOut` after `timeout`.
func eventually(_ what: String, timeout: Duration = .seconds(20), _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try condition() { return }
        if ContinuousClock.now >= deadline { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(25))
    }
}
