import Foundation
import LoopCore
import Synchronization

/// Everything learned from a running agent's output, shared between the runner's stream
/// readers and the heartbeat.
///
/// The runner calls `consume` from its reader tasks; a `Mutex` keeps the parser's state
/// consistent across them.
final class OutputMonitor: Sendable {
    private struct State {
        var parser: any OutputParser
        var customLimitPattern: TextPattern?
        var customLimit: RateLimit?
        var lastOutputAt: Date?
    }

    private let state: Mutex<State>

    /// - Parameters:
    ///   - parser: the backend's output format.
    ///   - customLimitPattern: `rate_limit_pattern` from config; a line matching it is a limit
    ///     whatever the exit code, because the user said so.
    init(parser: any OutputParser, customLimitPattern: TextPattern?) {
        state = Mutex(State(parser: parser, customLimitPattern: customLimitPattern))
    }

    /// Feeds one line of output.
    func consume(_ line: String, from stream: LoopCore.OutputStream) {
        state.withLock { state in
            state.lastOutputAt = Date()
            state.parser.consume(line, from: stream)
            if state.customLimit == nil, let pattern = state.customLimitPattern {
                let examined = String(line.prefix(RateLimitClassifier.maxExamined))
                if pattern.matches(examined) {
                    state.customLimit = RateLimit(
                        message: RateLimitClassifier.oneLine(examined), resetAt: ResetTimeParser.resetDate(in: examined)
                    )
                }
            }
        }
    }

    /// When the agent last printed anything.
    var lastOutputAt: Date? { state.withLock { $0.lastOutputAt } }

    /// The parsed output once the process has ended.
    ///
    /// Limit and permanent-error findings only count when the run failed (it did not exit 0)
    /// or the CLI itself reported an error: an agent that finished cleanly may well have
    /// printed "rate limit" or "unknown option" while working.
    func finish(exitedCleanly: Bool) -> ParsedOutput {
        state.withLock { state in
            state.parser.finish()
            var output = state.parser.output
            if exitedCleanly, !output.hasReportedError {
                output.errorMessage = nil
                output.rateLimit = nil
                output.isPermanentError = false
            }
            if let limit = state.customLimit {
                output.rateLimit = limit
                if output.errorMessage == nil { output.errorMessage = limit.message }
            }
            // Waiting for a limit is cheaper than giving up on a run that would have worked.
            if output.rateLimit != nil { output.isPermanentError = false }
            return output
        }
    }
}
