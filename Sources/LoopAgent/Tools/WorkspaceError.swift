import Foundation

/// Why a model-given path was refused.
///
/// Every message is one line that names the path and says what to do instead, because the
/// reader is a small model that will retry with whatever the message suggests.
package enum WorkspaceError: Error, Sendable, Equatable, LocalizedError {
    /// The workspace root itself is missing or not a folder (a setup error, not the model's).
    case badRoot(String)
    /// The path contains a NUL byte or is otherwise not a usable path.
    case invalid(path: String, reason: String)
    /// The path is absolute. `suggestion` is the relative form when it lies inside the root.
    case absolute(path: String, suggestion: String?)
    /// The path (lexically or through a symlink) leads out of the workspace.
    case outside(path: String)
    /// The path is inside a `.git` folder or is the `.git` file.
    case gitInternals(path: String)
    /// A symlink on the way does not resolve (dangling or looping).
    case brokenSymlink(path: String)
    /// A component on the way is a file, not a folder.
    case notADirectory(path: String, component: String)
    /// Any other failure of the file system while resolving.
    case unreadable(path: String, reason: String)

    package var errorDescription: String? {
        switch self {
        case .badRoot(let root):
            "workspace root '\(root)' is not an existing folder"
        case .invalid(let path, let reason):
            "path '\(Self.printable(path))' is not valid (\(reason)); use a plain path relative to the project root"
        case .absolute(let path, let suggestion?):
            "path '\(path)' is absolute; use '\(suggestion)' (paths are relative to the project root)"
        case .absolute(let path, nil), .outside(let path):
            "path '\(path)' is outside the workspace; use a path relative to the project root"
        case .gitInternals(let path):
            "path '\(path)' is inside .git, which is off limits; work on the project files (the PM commits your changes)"
        case .brokenSymlink(let path):
            "path '\(path)' goes through a symlink that points nowhere; use another path"
        case .notADirectory(let path, let component):
            "path '\(path)' is not valid: '\(component)' is a file, not a folder"
        case .unreadable(let path, let reason):
            "path '\(path)' cannot be accessed: \(reason)"
        }
    }

    /// The path with control characters made visible, so the message stays one line.
    private static func printable(_ path: String) -> String {
        path.unicodeScalars.map { $0.value < 0x20 ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
    }
}
