import Foundation

/// Something drawn below the scrolling lines on a terminal (the live status block of
/// `loop run`), which every line must be written above.
package protocol ConsoleOverlay: Sendable {
    /// Writes `text` (whole lines, each ending in a newline) above the overlay, on stdout or stderr.
    func write(_ text: String, toStandardError: Bool)
    /// Takes an agent's output line (the overlay shows the last one).
    func agentLine(_ role: Role, _ line: String)
}

/// Progress lines for people: `[loop] ...` on stdout (stderr for warnings).
///
/// Every `Console` of the process writes through `Console.overlay` when one is installed, so
/// the live view stays intact whoever prints (the engine, a backend echoing agent output,
/// the event log's warnings) — those create their own `Console` values, hence a process-wide hook.
package struct Console: Sendable {
    package var isVerbose: Bool
    package var isQuiet: Bool

    /// The live view of this process, installed by `loop run` on a terminal.
    package static let overlay = Locked<(any ConsoleOverlay)?>(nil)

    package init(isVerbose: Bool = false, isQuiet: Bool = false) {
        self.isVerbose = isVerbose
        self.isQuiet = isQuiet
    }

    /// Set by a batch PM for each task's run: that run's lines start with the task id.
    package static let taskTagVariable = "LOOP_BATCH_TASK"
    private static let prefix =
        "[loop] " + (ProcessInfo.processInfo.environment[taskTagVariable].map { "\($0) · " } ?? "")

    package func info(_ message: String) {
        guard !isQuiet else { return }
        Self.emit("\(Self.prefix)\(message)\n", toStandardError: false)
    }

    /// The run's result line: printed even with `--quiet`, which shows nothing else.
    package func result(_ message: String) {
        Self.emit("\(Self.prefix)\(message)\n", toStandardError: false)
    }

    package func warn(_ message: String) {
        Self.emit("\(Self.prefix)warning: \(message)\n", toStandardError: true)
    }

    /// An agent's output line, shown only with `--verbose`: `  [worker r2] line`. The live view
    /// keeps the last one either way.
    package func agent(_ role: Role, round: Int, _ line: String) {
        Self.overlay.value?.agentLine(role, line)
        guard isVerbose, !isQuiet else { return }
        Self.emit("  [\(role.rawValue) r\(round)] \(line)\n", toStandardError: false)
    }

    private static func emit(_ text: String, toStandardError: Bool) {
        if let overlay = overlay.value {
            overlay.write(text, toStandardError: toStandardError)
        } else {
            (toStandardError ? FileHandle.standardError : FileHandle.standardOutput).write(Data(text.utf8))
        }
    }
}
