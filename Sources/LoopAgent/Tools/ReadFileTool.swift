/// `read_file {path, start_line?, end_line?}`: numbered lines of a text file.
///
/// Says the total line count up front and, when the output budget runs out, stops at a
/// line boundary and says which `start_line` continues. That beats a head+tail cut for
/// reading code: the model gets a contiguous block and knows exactly how to get the rest.
struct ReadFileTool {
    let workspace: Workspace
    let limits: ToolLimits

    /// Longest line shown; longer lines (minified files) are cut.
    static let maxLineCharacters = 2000

    func callAsFunction(_ arguments: ToolArguments) throws -> ToolResult {
        let resolved = try workspace.resolve(try arguments.string("path"))
        let startArgument = try arguments.optionalInt("start_line")
        let endArgument = try arguments.optionalInt("end_line")
        let text: String
        do {
            text = try TextFile.read(resolved, limit: limits.readFileBytes)
        } catch let refusal as TextFile.Refusal {
            throw ToolFailure(refusal.message)
        }
        let lines = TextFile.lines(text)
        let shown = resolved.relative
        if lines.isEmpty { return ToolResult(text: "\(shown) is empty (0 lines)") }
        let start = max(1, startArgument ?? 1)
        let end = min(lines.count, endArgument ?? lines.count)
        guard start <= lines.count else {
            throw ToolFailure("start_line \(start) is past the end: \(shown) has \(lines.count) lines")
        }
        guard start <= end else {
            throw ToolFailure("end_line \(end) is before start_line \(start); \(shown) has \(lines.count) lines")
        }
        let isWhole = start == 1 && end == lines.count
        var output =
            isWhole ? "\(shown) (\(lines.count) lines):\n" : "\(shown) (\(lines.count) lines), lines \(start)-\(end):\n"
        let budget = limits.outputBytes - 160
        var used = output.utf8.count
        for number in start...end {
            var line = lines[number - 1]
            if line.count > Self.maxLineCharacters {
                line = String(line.prefix(Self.maxLineCharacters)) + " [line cut]"
            }
            let entry = "\(number)\t\(line)\n"
            if used + entry.utf8.count > budget && number > start {
                output +=
                    "[lines \(number)-\(end) not shown (output limit); call read_file with start_line=\(number)]\n"
                return ToolResult(text: output)
            }
            output += entry
            used += entry.utf8.count
        }
        if !isWhole && end < lines.count { output += "[file continues to line \(lines.count)]\n" }
        return ToolResult(text: output)
    }
}
