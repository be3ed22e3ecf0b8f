import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The transcript of one process: lines appended to a log file up to a cap, plus a short tail
/// kept in memory for error messages. Shared by the stdout and stderr readers.
final class OutputLog: Sendable {
    private struct State {
        var written = 0
        var isCapped = false
        var tail: [String] = []
        var tailBytes = 0
        var lastOutput = ContinuousClock.now
    }

    private let state = Mutex(State())
    private let fd: Int32
    private let limit: Int
    private static let tailLimit = 8 * 1024

    init(path: String?, limit: Int) {
        self.limit = limit
        if let path {
            try? Filesystem.createDirectory((path as NSString).deletingLastPathComponent)
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        } else {
            fd = -1
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// When the process last printed anything.
    var lastOutput: ContinuousClock.Instant {
        state.withLock { $0.lastOutput }
    }

    /// Notes that the process printed something, even without finishing a line: a model
    /// streaming tokens is alive although no newline has come yet.
    func touch() {
        state.withLock { $0.lastOutput = .now }
    }

    /// Records lines of output with one write to the log.
    func append(_ lines: [String], stream: OutputStream) {
        guard !lines.isEmpty else { return }
        state.withLock { state in
            state.lastOutput = .now
            for line in lines {
                state.tail.append(line)
                state.tailBytes += line.utf8.count + 1
            }
            while state.tailBytes > Self.tailLimit, state.tail.count > 1 {
                state.tailBytes -= state.tail.removeFirst().utf8.count + 1
            }
            guard fd >= 0, !state.isCapped else { return }
            let prefix = stream == .stderr ? "[stderr] " : ""
            var text = ""
            for line in lines { text += prefix + line + "\n" }
            if state.written + text.utf8.count > limit {
                state.isCapped = true
                writeRaw("[loop] log capped at \(limit / 1024 / 1024) MiB; further output was dropped\n")
                return
            }
            state.written += text.utf8.count
            writeRaw(text)
        }
    }

    /// Records one line of output.
    func append(_ line: String, stream: OutputStream) {
        append([line], stream: stream)
    }

    /// Writes a note from the PM itself (not agent output).
    func note(_ text: String) {
        state.withLock { _ in if fd >= 0 { writeRaw("[loop] \(text)\n") } }
    }

    /// The last few KiB of output.
    var tailText: String {
        state.withLock { $0.tail.joined(separator: "\n") }
    }

    private func writeRaw(_ text: String) {
        try? AtomicFile.writeAll(fd, Data(text.utf8), path: "log")
    }
}
