import Foundation

/// How an agent gets its prompt.
///
/// Never as one huge argument by default: Linux caps a single argument at 128 KiB, and
/// a prompt with a diff in it passes that easily. A file on stdin also never blocks the
/// way a pipe nobody drains can.
enum PromptDelivery: String, Sendable, CaseIterable {
    /// The prompt file is the process's stdin.
    case stdin
    /// The program is told the prompt file's path (`{prompt_file}`); stdin is `/dev/null`.
    case file
    /// The prompt text is an argument (`{prompt}`); refused over 100 KiB.
    case arg

    /// The default for a command template: `arg` when it uses `{prompt}`, `file` when it uses
    /// `{prompt_file}`, otherwise `stdin`.
    static func inferred(from template: [String]) -> PromptDelivery {
        if template.contains(where: { $0.contains("{prompt}") }) { return .arg }
        if template.contains(where: { $0.contains("{prompt_file}") }) { return .file }
        return .stdin
    }

    /// The valid names, for error messages.
    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
