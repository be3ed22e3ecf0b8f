import Foundation

/// `list_dir {path?}`: the entries of one folder, sorted, folders marked with `/`.
///
/// One level only, so the answer stays small; `.git` is never shown (it is off limits),
/// and symlinks that lead outside the workspace are marked rather than followed.
struct ListDirTool {
    let workspace: Workspace
    let limits: ToolLimits

    func callAsFunction(_ arguments: ToolArguments) throws -> ToolResult {
        let resolved = try workspace.resolve(try arguments.optionalString("path") ?? ".")
        guard resolved.exists, case .success(let info) = FileProbe.target(resolved.absolute) else {
            throw ToolFailure(
                "folder '\(resolved.relative)' does not exist; use list_dir on its parent to see what is there")
        }
        guard info.kind == .directory else {
            throw ToolFailure("'\(resolved.relative)' is a file, not a folder; use read_file to read it")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: resolved.absolute)
        } catch {
            throw ToolFailure("folder '\(resolved.relative)' cannot be listed: \(error.localizedDescription)")
        }
        let entries = names.filter { $0 != ".git" }.sorted().map { describe($0, in: resolved.absolute) }
        let title = resolved.relative == "." ? "project root" : resolved.relative + "/"
        if entries.isEmpty { return ToolResult(text: "\(title) is empty") }
        var lines = ["\(title) (\(entries.count) \(entries.count == 1 ? "entry" : "entries")):"]
        lines += entries.prefix(limits.listEntries)
        if entries.count > limits.listEntries {
            lines.append(
                "[... \(entries.count - limits.listEntries) more entries not shown; list a subfolder or use search]")
        }
        return ToolResult(text: lines.joined(separator: "\n"))
    }

    /// `name`, `name/` for folders (also through an inside symlink), or a marked symlink.
    private func describe(_ name: String, in folder: String) -> String {
        let path = folder + "/" + name
        guard case .success(let entry) = FileProbe.entry(path) else { return name }
        switch entry.kind {
        case .directory:
            return name + "/"
        case .symlink:
            guard let target = FileProbe.realPath(path) else { return name + " (broken symlink)" }
            guard workspace.contains(target) else { return name + " (symlink outside the workspace)" }
            if workspace.isGitInternal(target) { return name + " (symlink into .git)" }
            if case .success(let info) = FileProbe.target(target), info.kind == .directory { return name + "/" }
            return name
        default:
            return name
        }
    }
}
