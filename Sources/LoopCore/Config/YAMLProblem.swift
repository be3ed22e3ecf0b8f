import Foundation
import Yams

/// A YAML error as a person can act on it: `file:line:column: what`, what to do, and at most
/// three numbered lines of the file around the spot — never the whole file, as Yams' own
/// description prints it.
struct YAMLProblem: Sendable, Equatable {
    var line: Int
    var column: Int
    var problem: String
    var hint: String

    /// Reads the position and problem out of a Yams error; nil for errors that carry no position.
    init?(_ error: any Error, text: String) {
        guard let yaml = error as? YamlError else { return nil }
        switch yaml {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            self.init(line: mark.line, column: mark.column, problem: problem, hint: "Fix the YAML and run again.")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? "?"
            let lines = Self.lines(definingKey: key, atColumn: context.mark.column, in: text)
            let line = lines.last ?? context.mark.line
            let shown = lines.count > 1 ? " (lines \(lines.map(String.init).joined(separator: " and ")))" : ""
            self.init(
                line: line, column: context.mark.column, problem: "the key '\(key)' appears twice\(shown)",
                hint: "Keep one '\(key):' and put every entry under it, then run again.")
        default:
            return nil
        }
    }

    init(line: Int, column: Int, problem: String, hint: String) {
        self.line = line
        self.column = column
        self.problem = problem
        self.hint = hint
    }

    /// `path:line:column: problem. hint` and up to three numbered lines around `line`.
    func message(path: String, text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var out = "\(path):\(line):\(column): \(problem). \(hint)"
        guard line >= 1, line <= lines.count else { return out }
        let width = String(min(lines.count, line + 1)).count
        for number in max(1, line - 1)...min(lines.count, line + 1) {
            let label = String(number)
            let pad = String(repeating: " ", count: width - label.count)
            out += "\n\(number == line ? ">" : " ") \(pad)\(label) | \(lines[number - 1])"
        }
        return out
    }

    /// 1-based numbers of the lines that define `key` at `column` (a mapping key at that indent).
    static func lines(definingKey key: String, atColumn column: Int, in text: String) -> [Int] {
        let indent = String(repeating: " ", count: max(0, column - 1))
        var found: [Int] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let candidates = [indent + key + ":", indent + "\"\(key)\":", indent + "'\(key)':"]
            if candidates.contains(where: { line.hasPrefix($0) }) { found.append(index + 1) }
        }
        return found
    }
}
