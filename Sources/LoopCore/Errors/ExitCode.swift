/// The process exit codes of `loop`, chosen in one place.
///
/// They match loop-kit's so scripts written for it keep working, and they are
/// documented in the README and in `loop run --help`.
package enum LoopExitCode: Int32, Sendable, CaseIterable {
    /// The task was approved (reviewer approved and every verify command passed).
    case approved = 0
    /// Configuration, input or preflight error; nothing was started.
    case configError = 1
    /// The round budget ran out without an approval.
    case exhausted = 2
    /// A round failed: backend, report or verification infrastructure.
    case roundFailed = 3
    /// The working tree has uncommitted changes and `--allow-dirty` was not given.
    case dirtyTree = 4
    /// Another live PM holds the bus lock.
    case locked = 5
    /// Paused on an agent's usage limit (`--no-wait-on-limit`); resume later.
    case pausedOnLimit = 75
    /// Stopped on request (`loop stop`) after a round; `loop run --resume` continues.
    case stopped = 76
    /// Interrupted by SIGINT.
    case interrupted = 130
    /// Interrupted by SIGTERM.
    case terminated = 143

    /// One line per code, for `--help` and the README.
    package static let helpText = """
        Exit codes:
          0    approved (reviewer approved and every verify command passed)
          1    configuration, input or preflight error (nothing started)
          2    a budget ran out without approval (rounds, tokens, cost, duration)
          3    round failure (backend, report or verification infrastructure)
          4    dirty working tree refused (use --allow-dirty)
          5    bus locked by a live PM
          75   paused on an agent usage limit (--no-wait-on-limit); --resume later
          76   stopped by `loop stop`; `loop run --resume` continues
          130  interrupted (SIGINT)   143  terminated (SIGTERM)
        """
}
