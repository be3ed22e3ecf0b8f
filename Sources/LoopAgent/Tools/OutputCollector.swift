import LoopCore

/// Collects a command's output lines in bounded memory: the first `limit` bytes and the
/// last `limit` bytes, counting what falls between.
///
/// A command can print gigabytes; the model only ever sees head and tail, so nothing else
/// is kept. Shared with the process runner's line callback, hence the lock.
package final class OutputCollector: Sendable {
    private struct State {
        var head: [String] = []
        var headBytes = 0
        var tail: [String] = []
        var tailStart = 0
        var tailBytes = 0
        var droppedBytes = 0
        var isHeadFull = false
    }

    private let limit: Int
    private let state = Locked(State())

    package init(limit: Int) {
        self.limit = limit
    }

    /// Adds one line (without its newline).
    package func append(_ line: String) {
        let size = line.utf8.count + 1
        let limit = limit
        state.withLock { state in
            if !state.isHeadFull && state.headBytes + size <= limit {
                state.head.append(line)
                state.headBytes += size
                return
            }
            state.isHeadFull = true
            state.tail.append(line)
            state.tailBytes += size
            while state.tailBytes > limit && state.tailStart < state.tail.count - 1 {
                let dropped = state.tail[state.tailStart].utf8.count + 1
                state.tailBytes -= dropped
                state.droppedBytes += dropped
                state.tailStart += 1
            }
            if state.tailStart > 1024 {
                state.tail.removeFirst(state.tailStart)
                state.tailStart = 0
            }
        }
    }

    /// Everything collected, cut to `limit` bytes with a notice when anything was dropped.
    package func text(hint: String) -> String {
        let (lines, dropped) = state.withLock { state in
            (state.head + state.tail[state.tailStart...], state.droppedBytes)
        }
        let joined = lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
        return OutputTruncator.truncate(joined, limit: limit, alreadyCut: dropped, hint: hint)
    }
}
