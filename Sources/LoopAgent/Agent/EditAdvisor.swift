import LoopCore

/// Answers an edit that cannot be what the task wants with a hint instead of making it.
///
/// Two patterns seen with SmolLM2-135M in the task benchmark: it rewrote the test file that
/// judges the work (the card lists it in `out_of_scope`; the PM refuses approval for such a
/// change anyway, so making it only wastes the round), and it copied the tool example's
/// placeholder (`"content": "the old lines"`) into a real file.
enum EditAdvisor {
    static func advice(for call: ToolCall, brief: TaskBrief) -> String? {
        guard ["write_file", "edit_file"].contains(call.name), let raw = call.arguments["path"]?.stringValue else {
            return nil
        }
        let path = raw.hasPrefix("./") ? String(raw.dropFirst(2)) : raw
        let targets = brief.inScope.compactMap(PathPattern.scopeEntry)
        let change = targets.isEmpty ? "" : " Change \(targets.prefix(4).joined(separator: " or ")) instead."
        if let pattern = brief.outOfScope.compactMap(PathPattern.scopeEntry).first(where: { PathPattern.covers($0, path) }) {
            let why = pattern == path ? "" : " (it is under `\(pattern)`)"
            return "Not done: \(path) is out of scope for this task\(why): the card says it must not change, "
                + "and a change to it is refused at review.\(change)"
        }
        for field in ["content", "replace"] {
            if let text = call.arguments[field]?.stringValue, isPlaceholder(text) {
                return "Not done: \"\(text.prefix(60))\" is the example's placeholder, not code. Put the real new text in "
                    + "`\(field)`: read the file's current lines (they are in the task message) and write them corrected."
            }
        }
        return nil
    }

    /// The tool examples' filler ("the exact old lines", "the whole new content of the file")
    /// and the variants a small model makes of it ("the old lines").
    static func isPlaceholder(_ text: String) -> Bool {
        let fillers: Set<Substring> = ["the", "exact", "whole", "old", "new"]
        let words = text.lowercased().split(whereSeparator: { $0.isWhitespace || $0 == "." })
        guard words.first == "the" else { return false }
        let rest = words.drop { fillers.contains($0) }.joined(separator: " ")
        return ["lines", "line", "content", "content of the file", "code", "text"].contains(rest)
    }
}
