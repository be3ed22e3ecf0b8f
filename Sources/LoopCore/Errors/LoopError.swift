import Foundation

/// Every failure a user can cause, each with one line that says what happened and what to do.
///
/// `exitCode` maps the error to the documented exit code; the CLI prints
/// `errorDescription` and exits with it.
package enum LoopError: LocalizedError, Sendable {
    /// A file on the bus or given by the user is missing.
    case missingFile(path: String, hint: String)
    /// A JSON file is not valid JSON or does not match its schema.
    case invalidJSON(path: String, detail: String)
    /// A field in a JSON/YAML file is missing or has the wrong type.
    case invalidField(path: String, field: String, expected: String)
    /// The configuration is invalid.
    case config(String)
    /// A precondition before starting failed; lists every problem found.
    case preflight([String])
    /// The working tree has uncommitted changes.
    case dirtyTree(paths: [String])
    /// Another PM holds the lock.
    case locked(owner: String)
    /// A round failed for a reason recorded in state.
    case roundFailed(String)
    /// A git command failed.
    case git(command: String, message: String)
    /// An I/O operation failed.
    case io(operation: String, path: String, errno: Int32)
    /// A usage limit paused the run (`--no-wait-on-limit`).
    case pausedOnLimit(String)
    /// The run was interrupted by a signal.
    case interrupted(signal: Int32)
    /// Generic user-facing failure with the exit code it should produce.
    case other(String, LoopExitCode)

    package var errorDescription: String? {
        switch self {
        case .missingFile(let path, let hint):
            return "No file at \(path). \(hint)"
        case .invalidJSON(let path, let detail):
            return "\(path) is not valid: \(detail). Fix the file and run again."
        case .invalidField(let path, let field, let expected):
            return "\(path): field '\(field)' \(expected). Fix the file and run again."
        case .config(let message):
            return message
        case .preflight(let problems):
            return "Preflight found \(problems.count) problem\(problems.count == 1 ? "" : "s"); nothing was started:\n"
                + problems.map { "  - \($0)" }.joined(separator: "\n")
        case .dirtyTree(let paths):
            let shown = paths.prefix(5).joined(separator: ", ")
            let more = paths.count > 5 ? " and \(paths.count - 5) more" : ""
            return
                "The working tree has uncommitted changes (\(shown)\(more)). Commit or stash them, or pass --allow-dirty."
        case .locked(let owner):
            return "Another loop PM holds this bus (\(owner)). Wait for it to finish, or stop it first."
        case .roundFailed(let reason):
            return "Round failed: \(reason)"
        case .git(let command, let message):
            return "git \(command) failed: \(message)"
        case .io(let operation, let path, let code):
            return "\(operation) \(path) failed: \(Platform.errorText(code))."
        case .pausedOnLimit(let message):
            return "Paused on a usage limit: \(message). Run `loop run --resume` later."
        case .interrupted(let signal):
            return
                "Interrupted by \(signal == SIGTERM ? "SIGTERM" : "SIGINT"); state saved. Continue with `loop run --resume`."
        case .other(let message, _):
            return message
        }
    }

    /// The documented exit code this error produces.
    package var exitCode: LoopExitCode {
        switch self {
        case .missingFile, .invalidJSON, .invalidField, .config, .preflight, .io:
            return .configError
        case .dirtyTree: return .dirtyTree
        case .locked: return .locked
        case .roundFailed, .git: return .roundFailed
        case .pausedOnLimit: return .pausedOnLimit
        case .interrupted(let signal): return signal == SIGTERM ? .terminated : .interrupted
        case .other(_, let code): return code
        }
    }
}
