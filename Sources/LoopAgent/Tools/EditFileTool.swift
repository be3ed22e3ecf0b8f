/// `edit_file {path, search, replace}`: replaces exactly one exact occurrence of `search`.
///
/// The matching and the near-miss hint live in `EditMatcher`; this tool reads, writes
/// atomically, and answers with the edited region, numbered, so the model sees the result
/// without another read.
struct EditFileTool {
    let workspace: Workspace
    let limits: ToolLimits

    /// Lines of context shown around the edit.
    static let contextLines = 2
    /// Most lines of the edited region shown.
    static let maxShownLines = 30

    func callAsFunction(_ arguments: ToolArguments) throws -> ToolResult {
        let resolved = try workspace.resolve(try arguments.string("path"))
        let search = try arguments.string("search")
        let replace = try arguments.string("replace")
        guard search != replace else {
            throw ToolFailure("search and replace are the same text; nothing would change. Put the new text in replace")
        }
        let text: String
        do {
            text = try TextFile.read(resolved, limit: limits.readFileBytes)
        } catch let refusal as TextFile.Refusal {
            throw ToolFailure(refusal.message + (resolved.exists ? "" : "; to create a file use write_file"))
        }
        switch EditMatcher.apply(search: search, replace: replace, in: text) {
        case .invalid(let message):
            throw ToolFailure(message)
        case .ambiguous(let count, let lines):
            let places = lines.prefix(10).map(String.init).joined(separator: ", ")
            throw ToolFailure(
                "search text appears \(count) times in \(resolved.relative) (lines \(places)); "
                    + "include more surrounding lines so it matches exactly once")
        case .notFound(let hint):
            // One place matches once spaces and tabs are ignored: apply it there, and say so
            // with the lines as they now are, so the model can check the result.
            guard let forgiven = NearMissHint.forgivingReplace(search: search, replace: replace, in: text) else {
                throw ToolFailure("search text not found in \(resolved.relative). " + hint)
            }
            _ = try WriteFileTool.store(forgiven.text, at: resolved)
            return ToolResult(
                text: "matched with spaces and tabs ignored (your search text's spacing differed from the file); "
                    + summary(of: forgiven.text, path: resolved.relative, firstLine: forgiven.firstLine, lineCount: forgiven.lineCount))
        case .replaced(let newText, let firstLine, let lineCount):
            _ = try WriteFileTool.store(newText, at: resolved)
            return ToolResult(
                text: summary(of: newText, path: resolved.relative, firstLine: firstLine, lineCount: lineCount))
        }
    }

    private func summary(of text: String, path: String, firstLine: Int, lineCount: Int) -> String {
        let lines = TextFile.lines(text)
        let lastLine = firstLine + lineCount - 1
        var output = "edited \(path): the replacement is now line\(lineCount == 1 ? "" : "s") "
        output += lineCount == 1 ? "\(firstLine)" : "\(firstLine)-\(lastLine)"
        output += " (file has \(lines.count) lines):\n"
        let from = max(1, firstLine - Self.contextLines)
        let to = min(lines.count, lastLine + Self.contextLines, from + Self.maxShownLines - 1)
        if from <= to {
            for number in from...to { output += "\(number)\t\(lines[number - 1])\n" }
        }
        return output
    }
}
