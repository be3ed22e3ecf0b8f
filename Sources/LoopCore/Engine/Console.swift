import Foundation

/// Progress lines for people: `[loop] ...` on stdout (stderr for warnings).
package struct Console: Sendable {
    package var isVerbose: Bool
    package var isQuiet: Bool

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
        FileHandle.standardOutput.write(Data("\(Self.prefix)\(message)\n".utf8))
    }

    package func warn(_ message: String) {
        FileHandle.standardError.write(Data("\(Self.prefix)warning: \(message)\n".utf8))
    }

    /// An agent's output line, shown only with `--verbose`: `  [worker r2] line`.
    package func agent(_ role: Role, round: Int, _ line: String) {
        guard isVerbose, !isQuiet else { return }
        FileHandle.standardOutput.write(Data("  [\(role.rawValue) r\(round)] \(line)\n".utf8))
    }
}
