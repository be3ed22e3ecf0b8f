import Foundation
import LoopCore

/// The built-in agent's stdout: streamed model tokens as they come, and its own
/// `[loop-agent] …` notices each on a line of their own.
///
/// Tokens arrive without line ends, so a notice written straight after them ran on
/// (`step 1/8{`, `…JSON object[loop-agent] step 2/8`) in the round log and in `--verbose`.
final class AgentStdout: Sendable {
    private let isAtLineStart = Locked(true)
    private let sink: @Sendable (String) -> Void

    /// - Parameter sink: where text goes (stdout in the agent; a buffer in tests).
    init(sink: @escaping @Sendable (String) -> Void) {
        self.sink = sink
    }

    /// Writes `text`: a notice (it holds `[loop-agent]`) on its own line, anything else as is.
    func write(_ text: String) {
        guard !text.isEmpty else { return }
        isAtLineStart.withLock { atStart in
            if text.contains("[loop-agent]") {
                let notice = text.trimmingCharacters(in: .newlines)
                sink((atStart ? "" : "\n") + notice + "\n")
                atStart = true
            } else {
                sink(text)
                atStart = text.hasSuffix("\n")
            }
        }
    }
}
