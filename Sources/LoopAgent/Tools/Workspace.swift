/// The folder the worker may touch (the task's git worktree), and the one place where a
/// model-given path becomes a real path inside it.
///
/// A small model will send `../x`, `/etc/passwd`, `~/.ssh` or a path through a symlink that
/// someone planted; every tool resolves through `resolve(_:)` and operates only on the real
/// path it returns, so what was checked is what gets opened. Resolution walks the path one
/// component at a time with `lstat`, resolving each symlink fully and refusing it when it
/// leads outside the root or into `.git`. Tools run one at a time, so the check-then-open
/// window is not raced by the worker's own shell commands.
package struct Workspace: Sendable, Equatable {
    /// The root as a real path (symlinks resolved), without a trailing slash.
    package let root: String

    /// A resolved path inside the workspace.
    package struct Resolved: Sendable, Equatable {
        /// The real absolute path to operate on.
        package var absolute: String
        /// The path as shown to the model: relative to the root, `.` for the root itself.
        package var relative: String
        /// Whether something exists there (false for a file about to be created).
        package var exists: Bool
    }

    /// - Throws: `WorkspaceError.badRoot` when `root` is not an existing folder.
    package init(root: String) throws {
        guard let real = FileProbe.realPath(root), case .success(let info) = FileProbe.target(real),
            info.kind == .directory
        else { throw WorkspaceError.badRoot(root) }
        self.root = real
    }

    /// Resolves a model-given path relative to the root.
    ///
    /// Refuses NUL bytes, absolute paths, `~`, `..` that climbs above the root, any `.git`
    /// component, and symlinks (at any component, including the last) that resolve outside
    /// the root or into `.git`. Missing trailing components are allowed (the caller decides
    /// whether the path must exist); a dangling symlink is not.
    /// - Throws: `WorkspaceError` with a one-line message for the model.
    package func resolve(_ path: String) throws -> Resolved {
        let components = try lexicalComponents(path)
        let shown = components.isEmpty ? "." : components.joined(separator: "/")
        var current = root
        for (index, component) in components.enumerated() {
            let next = join(current, component)
            switch FileProbe.entry(next) {
            case .failure(let error) where error.isNotFound:
                let rest = components[index...].joined(separator: "/")
                return Resolved(absolute: join(current, rest), relative: shown, exists: false)
            case .failure(let error) where error.isNotDirectory:
                throw WorkspaceError.notADirectory(path: shown, component: relative(current))
            case .failure(let error):
                throw WorkspaceError.unreadable(path: shown, reason: error.message)
            case .success(let info) where info.kind == .symlink:
                guard let target = FileProbe.realPath(next) else { throw WorkspaceError.brokenSymlink(path: shown) }
                guard contains(target) else { throw WorkspaceError.outside(path: shown) }
                current = target
            case .success:
                current = next
            }
            if isGitInternal(current) { throw WorkspaceError.gitInternals(path: shown) }
        }
        return Resolved(absolute: current, relative: shown, exists: true)
    }

    /// The model-facing form of a real path inside the root (`.` for the root).
    package func relative(_ absolute: String) -> String {
        if absolute == root { return "." }
        let prefix = root == "/" ? "/" : root + "/"
        return absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : absolute
    }

    /// True when `absolute` (a real path) is the root or below it.
    package func contains(_ absolute: String) -> Bool {
        root == "/" || absolute == root || absolute.hasPrefix(root + "/")
    }

    // MARK: - Pieces

    /// Splits and normalises the path text, refusing what is wrong before touching the disk.
    private func lexicalComponents(_ raw: String) throws -> [String] {
        if raw.contains("\0") { throw WorkspaceError.invalid(path: raw, reason: "it contains a NUL byte") }
        let path = raw.trimmingWhitespace()
        if path.hasPrefix("/") {
            throw WorkspaceError.absolute(path: path, suggestion: insideForm(ofAbsolute: path))
        }
        if path == "~" || path.hasPrefix("~/") { throw WorkspaceError.outside(path: path) }
        var components: [String] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                guard components.popLast() != nil else { throw WorkspaceError.outside(path: path) }
            default:
                components.append(String(part))
            }
        }
        if components.contains(".git") { throw WorkspaceError.gitInternals(path: path) }
        return components
    }

    /// The relative form of an absolute path that lies inside the root (checked through
    /// `realpath` when it exists, by prefix when it does not yet), for the error's suggestion.
    private func insideForm(ofAbsolute path: String) -> String? {
        if let real = FileProbe.realPath(path) { return contains(real) ? relative(real) : nil }
        let prefix = root + "/"
        guard path.hasPrefix(prefix), !path.split(separator: "/").contains("..") else { return nil }
        return String(path.dropFirst(prefix.count))
    }

    /// True for the root's `.git` (file or folder) and anything below any `.git` folder.
    func isGitInternal(_ absolute: String) -> Bool {
        relative(absolute).split(separator: "/").contains(".git")
    }

    private func join(_ base: String, _ component: String) -> String {
        base == "/" ? "/" + component : base + "/" + component
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
