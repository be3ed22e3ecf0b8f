import Foundation
import LoopCore

/// Ranks the lines of the task's small in-scope files by how likely a one-line fix belongs
/// there, from the failing verify output and the card's own words. No knowledge of any task:
/// only what the checks printed and what the card says.
///
/// Why: a tiny model cannot plan an edit, but given one line it sometimes writes that line
/// corrected (see `RepairSampler`). That only helps if the line is the right one, and the
/// evidence for that is in the output (a traceback names a file and line) and in the card
/// (the goal often quotes the code it is about).
enum FailureLocator {
    /// One line worth trying.
    struct Line: Sendable, Equatable {
        /// The path as the card names it, relative to the worktree.
        var path: String
        /// 1-based.
        var number: Int
        var text: String
        var score: Double
    }

    /// The best `limit` lines (score above zero), best first; ties keep file and line order.
    /// - Parameters:
    ///   - files: path (relative) and text of each file that may change.
    ///   - failingOutput: what the failing verify commands printed.
    ///   - taskText: the card's goal, acceptance criteria and fix list.
    static func rank(files: [(path: String, text: String)], failingOutput: String, taskText: String, limit: Int) -> [Line] {
        let references = lineReferences(in: failingOutput)
        let taskTokens = tokens(taskText)
        let taskSet = Set(taskTokens)
        let taskPairs = Set(zip(taskTokens, taskTokens.dropFirst()).map { "\($0.0) \($0.1)" })
        let outputSet = Set(tokens(failingOutput))
        var ranked: [Line] = []
        for file in files {
            let lines = file.text.components(separatedBy: "\n")
            let lineTokens = lines.map { isCandidate($0) ? tokens($0) : [] }
            // A token on few lines says more about which line is meant than one on every line.
            var linesWith: [String: Int] = [:]
            for found in lineTokens { for token in Set(found) { linesWith[token, default: 0] += 1 } }
            for (index, text) in lines.enumerated() where isCandidate(text) {
                let found = lineTokens[index]
                var score = 0.0
                for token in Set(found) {
                    let weight = 1.0 / Double(linesWith[token] ?? 1)
                    if taskSet.contains(token) { score += 2 * weight }
                    if outputSet.contains(token) { score += weight }
                }
                // Code quoted in the card ("change return 0 to …") matches as neighbouring tokens.
                score += 1.5 * Double(Set(zip(found, found.dropFirst()).map { "\($0.0) \($0.1)" }).intersection(taskPairs).count)
                let named = references.filter { $0.line == index + 1 && refersTo($0.file, file.path) }.count
                score += 10 * Double(named)
                if score > 0 { ranked.append(Line(path: file.path, number: index + 1, text: text, score: score)) }
            }
        }
        let order = ranked.enumerated().sorted { a, b in
            a.element.score != b.element.score ? a.element.score > b.element.score : a.offset < b.offset
        }
        return order.prefix(max(0, limit)).map(\.element)
    }

    /// A line a one-line fix could be about: not blank, not a comment, a docstring or a shebang.
    static func isCandidate(_ line: String) -> Bool {
        let text = line.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.count <= 200 else { return false }
        return !["#", "//", "\"\"\"", "'''", "/*", "*"].contains { text.hasPrefix($0) }
    }

    /// Identifiers, numbers and the words inside strings, in order.
    static func tokens(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        func flush() {
            if !current.isEmpty { result.append(current) }
            current = ""
        }
        for character in text {
            if character.isLetter || character.isNumber || character == "_" {
                current.append(character)
            } else {
                flush()
            }
        }
        flush()
        return result
    }

    /// A file and line an error message points at.
    struct Reference: Equatable {
        var file: String
        var line: Int
    }

    /// `File "x.py", line 3` (Python), `x.sh: line 3:` (bash), `x.py:3:` (pytest, compilers).
    static func lineReferences(in output: String) -> [Reference] {
        let patterns = [
            #"File "([^"]+)", line (\d+)"#,
            #"([\w./-]+): line (\d+):"#,
            #"([\w./-]+\.\w+):(\d+):"#,
        ]
        var references: [Reference] = []
        for pattern in patterns {
            guard let regex = try? NSRegularExpression(pattern: pattern) else { continue }
            let range = NSRange(output.startIndex..., in: output)
            for match in regex.matches(in: output, range: range) {
                guard let fileRange = Range(match.range(at: 1), in: output), let lineRange = Range(match.range(at: 2), in: output),
                    let line = Int(output[lineRange])
                else { continue }
                references.append(Reference(file: String(output[fileRange]), line: line))
            }
        }
        return references
    }

    /// Whether a path from an error message (often absolute, or under a copy of the tree)
    /// names the worktree file `path`.
    static func refersTo(_ named: String, _ path: String) -> Bool {
        let clean = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        let shown = named.hasPrefix("./") ? String(named.dropFirst(2)) : named
        return shown == clean || shown.hasSuffix("/" + clean)
    }
}
