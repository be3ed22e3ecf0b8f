import Foundation

/// What to run and under which limits.
package struct ProcessSpec: Sendable {
    /// argv; `arguments[0]` is a program name (looked up on PATH) or a path.
    package var arguments: [String]
    package var workingDirectory: String
    /// Variables added to (or overriding) the inherited environment.
    package var environment: [String: String]
    /// Inherited variables to drop (e.g. `CLAUDECODE`, so a nested agent CLI does not refuse to start).
    package var removedEnvironment: [String]
    /// File given as stdin; nil means `/dev/null`. A file (not a pipe) can never block the writer.
    package var stdinFile: String?
    /// Whole-run limit; nil = none.
    package var timeout: Duration?
    /// Limit on silence (no output on stdout or stderr); nil = none.
    package var idleTimeout: Duration?
    /// Time between SIGTERM and SIGKILL to the process group.
    package var killGrace: Duration
    /// Every output line is appended here (up to `logLimitBytes`, then one notice).
    package var logPath: String?
    package var logLimitBytes: Int
    /// Longest line kept; longer lines are cut with a notice (bounds memory on hostile output).
    package var maxLineBytes: Int
    /// Start the child in its own session and process group (the default, so limits and
    /// signals reach everything it spawns).
    package var newSession: Bool = true
    /// Kill what is left of the child's group once the child has exited. The PM turns this off
    /// for agents: a helper the agent left may still deliver its report within the artifact
    /// wait, after which the PM ends everything that carries the dispatch's `LOOP_RUN_ID`.
    package var killLeftoversOnExit: Bool = true

    package init(
        arguments: [String], workingDirectory: String, environment: [String: String] = [:],
        removedEnvironment: [String] = [], stdinFile: String? = nil, timeout: Duration? = nil,
        idleTimeout: Duration? = nil, killGrace: Duration = .seconds(5), logPath: String? = nil,
        logLimitBytes: Int = 64 * 1024 * 1024, maxLineBytes: Int = 1024 * 1024
    ) {
        self.arguments = arguments
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.removedEnvironment = removedEnvironment
        self.stdinFile = stdinFile
        self.timeout = timeout
        self.idleTimeout = idleTimeout
        self.killGrace = killGrace
        self.logPath = logPath
        self.logLimitBytes = logLimitBytes
        self.maxLineBytes = maxLineBytes
    }
}

/// Which stream a line came from.
package enum OutputStream: String, Sendable {
    case stdout
    case stderr
}

/// How a process run ended.
package struct ProcessOutcome: Sendable, Equatable {
    package var end: ProcessEnd
    package var exitCode: Int32?
    package var signal: Int32?
    /// Wall time in seconds.
    package var duration: Double
    /// Last few KiB of combined output.
    package var outputTail: String
    /// The process id, which is also its process group id (every child leads its own group).
    package var pid: Int32
}

/// The result of a short command whose output is captured (git, verify helpers).
package struct CaptureResult: Sendable, Equatable {
    package var exitCode: Int32
    package var stdout: String
    package var stderr: String
    package var timedOut: Bool

    package var succeeded: Bool { exitCode == 0 && !timedOut }
}
