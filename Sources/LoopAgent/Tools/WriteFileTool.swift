#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation
import LoopCore

/// `write_file {path, content}`: creates or replaces a whole file, atomically.
///
/// Missing parent folders are created (inside the workspace only: the path was resolved
/// first, so every missing component is a plain name under a real folder we checked). The
/// write is temp-file + rename, so a crash never leaves half a file, and an existing
/// file keeps its permission bits (a script stays executable).
struct WriteFileTool {
    let workspace: Workspace

    func callAsFunction(_ arguments: ToolArguments) throws -> ToolResult {
        let resolved = try workspace.resolve(try arguments.string("path"))
        let content = try arguments.string("content")
        // Writing what is already there changes nothing: an error, so a model that repeats the
        // same write is seen as stuck instead of spending the round's steps on it.
        if resolved.exists, let current = FileManager.default.contents(atPath: resolved.absolute),
            current == Data(content.utf8)
        {
            throw ToolFailure("\(resolved.relative) already has exactly this content; nothing changed. Make a different change, or run the tests")
        }
        let existed = try Self.store(content, at: resolved)
        let lineCount = TextFile.lines(content).count
        var text =
            "\(existed ? "replaced" : "created") \(resolved.relative) (\(lineCount) lines, \(content.utf8.count) bytes)"
        if existed, Self.hasPlaceholder(content) {
            text +=
                "\nwarning: the content has a placeholder like '... rest unchanged'; write_file writes exactly what "
            text += "you give, so that part of the file is now gone. Restore it, and use edit_file for partial changes."
        }
        return ToolResult(text: text)
    }

    /// Writes `content` at a resolved path; returns whether a file was already there.
    /// - Throws: `ToolFailure` when the target is a folder or the write fails.
    static func store(_ content: String, at resolved: Workspace.Resolved) throws -> Bool {
        var permissions: UInt32 = 0o644
        var existed = false
        if resolved.exists {
            guard case .success(let info) = FileProbe.target(resolved.absolute) else {
                throw ToolFailure("'\(resolved.relative)' cannot be written")
            }
            guard info.kind == .regular else {
                let what = info.kind == .directory ? "a folder" : "not a regular file"
                throw ToolFailure("'\(resolved.relative)' is \(what); give a file path")
            }
            permissions = info.permissions
            existed = true
        } else {
            try createParents(of: resolved)
        }
        do {
            try AtomicFile.write(Data(content.utf8), to: resolved.absolute, mode: mode_t(permissions))
        } catch {
            throw ToolFailure("cannot write '\(resolved.relative)': \(error.localizedDescription)")
        }
        return existed
    }

    /// Creates the missing folders above a path that does not exist yet, top down.
    private static func createParents(of resolved: Workspace.Resolved) throws {
        var missing: [String] = []
        var folder = (resolved.absolute as NSString).deletingLastPathComponent
        while case .failure(let error) = FileProbe.entry(folder), error.isNotFound {
            missing.append(folder)
            folder = (folder as NSString).deletingLastPathComponent
        }
        for path in missing.reversed() {
            if let error = FileProbe.makeDirectory(path) {
                throw ToolFailure("cannot create folder for '\(resolved.relative)': \(error.message)")
            }
        }
    }

    /// True when the text has a line that stands for omitted code ("... existing code ...").
    static func hasPlaceholder(_ content: String) -> Bool {
        let markers = [
            "rest of the file", "rest of file", "existing code", "remains unchanged", "rest unchanged",
            "unchanged code",
        ]
        return TextFile.lines(content).contains { line in
            let lower = line.lowercased()
            return lower.contains("...") && markers.contains { lower.contains($0) }
        }
    }
}
