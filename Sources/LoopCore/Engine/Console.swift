import Foundation

/// Progress lines for people: `[loop] ...` on stdout (stderr for warnings).
public struct Console: Sendable {
    public var isVerbose: Bool
    public var isQuiet: Bool

    public init(isVerbose: Bool = false, isQuiet: Bool = false) {
        self.isVerbose = isVerbose
        self.isQuiet = isQuiet
    }

    public func info(_ message: String) {
        guard !isQuiet else { return }
        FileHandle.standardOutput.write(Data("[loop] \(message)\n".utf8))
    }

    public func warn(_ message: String) {
        FileHandle.standardError.write(Data("[loop] warning: \(message)\n".utf8))
    }

    /// An agent's output line, shown only with `--verbose`: `  [worker r2] line`.
    public func agent(_ role: Role, round: Int, _ line: String) {
        guard isVerbose, !isQuiet else { return }
        FileHandle.standardOutput.write(Data("  [\(role.rawValue) r\(round)] \(line)\n".utf8))
    }
}
