import Foundation

/// The contents of the card's small in-scope files, for the worker's first prompt.
///
/// A small model that sees the file it must change can make an edit its first action,
/// instead of spending steps (and often the whole turn) finding and reading it.
enum InScopeFiles {
    /// Largest single file shown, in bytes.
    static let maxFileBytes = 6 * 1024

    /// A `=== FILES IN SCOPE ===` section, or "" when no in-scope file is small enough.
    /// - Parameters:
    ///   - paths: the card's `in_scope` entries (files; folders and globs are skipped).
    ///   - budgetTokens: the most tokens (about 4 bytes each) the section may take.
    static func section(paths: [String], workdir: String, budgetTokens: Int) -> String {
        var budget = max(0, budgetTokens) * 4
        var parts: [String] = []
        for path in paths {
            guard let text = read(path, workdir: workdir), text.utf8.count <= min(maxFileBytes, budget) else { continue }
            budget -= text.utf8.count
            let numbered = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                .map { "\($0.offset + 1)\t\($0.element)" }.joined(separator: "\n")
            parts.append("--- \(path) (line numbers added; they are not part of the file) ---\n\(numbered)")
        }
        guard !parts.isEmpty else { return "" }
        return "\n\n=== FILES IN SCOPE (current content) ===\n" + parts.joined(separator: "\n")
            + "\n=== END OF FILES ===\nYou already have these files: change them with edit_file or write_file."
    }

    /// The text of a regular file inside the workdir; nil for anything else (a folder, a glob,
    /// a path that leaves the workdir or goes through a symlink, binary data). The confinement is
    /// the file tools' own (`Workspace`, `TextFile`), so the prompt can show no more than read_file.
    static func read(_ path: String, workdir: String) -> String? {
        guard !path.contains("*"), !path.split(separator: "/").contains(".git"),
            let resolved = try? Workspace(root: workdir).resolve(path)
        else { return nil }
        return try? TextFile.read(resolved, limit: maxFileBytes)
    }
}
