/// How one `run` command ended, with its (already size-capped) output.
package struct ShellOutcome: Sendable, Equatable {
    package enum Status: Sendable, Equatable {
        /// The command ran and exited with this code.
        case exited(Int32)
        /// The command was killed by this signal (not by us).
        case signaled(Int32)
        /// It ran past the timeout and its whole process group was killed.
        case timedOut(seconds: Double)
        /// The agent's task was cancelled (the PM is stopping); the group was killed.
        case cancelled
        /// Unsafe mode refused it before it ran; the reason says why.
        case blocked(String)
        /// No shell is available (no bubblewrap and no `--unsafe-shell`), or it could not start.
        case unavailable(String)
    }

    package var status: Status
    /// Combined stdout and stderr, head and tail kept within the output limit.
    package var output: String

    package init(status: Status, output: String = "") {
        self.status = status
        self.output = output
    }

    /// True when the command ran to its end (whatever its exit code).
    package var didRun: Bool {
        switch status {
        case .exited, .signaled: true
        case .timedOut, .cancelled, .blocked, .unavailable: false
        }
    }
}
