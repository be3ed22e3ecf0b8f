import Foundation

/// Progress lines for people: `[loop] ...` on stdout (stderr for warnings).
package struct Console: Sendable {
    package var isVerbose: Bool
    package var isQuiet: Bool

    package init(isVerbose: Bool = false, isQuiet: Bool = false) {
        self.isVerbose = isVerbose
        self.isQuiet = isQuiet
    }

    package func info(_ message: String) {
        guard !isQuiet else { return }
        FileHandle.standardOutput.write(Data("[loop] \(message)\n".utf8))
    }

    package func warn(_ message: String) {
        FileHandle.standardError.write(Data("[loop] warning: \(message)\n".utf8))
    }

    /// An agent's output line, shown only with `--verbose`: `  [worker r2] line`.
    package func agent(_ role: Role, round: Int, _ line: String) {
        guard isVerbose, !isQuiet else { return }
        FileHandle.standardOutput.write(Data("  [\(role.rawValue) r\(round)] \(line)\n".utf8))
    }
}
