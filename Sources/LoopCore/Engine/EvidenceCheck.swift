import Foundation

/// The PM's own checks of a round's evidence, which no agent can talk its way past: the test
/// counts must not drop and no new skips may appear against the round's base, and no path
/// the card puts out of scope may change. Each finding is a blocking issue.
public struct EvidenceCheck: Sendable {
    /// Verify results at the round's base (the previous round's head, or the run's base for round 1).
    public var base: [VerifyEvidence]
    public var current: [VerifyResult]
    /// Files changed by the whole task so far (base..head): what a merge would bring in.
    public var filesChanged: [String]
    public var outOfScope: [String]

    public init(base: [VerifyEvidence], current: [VerifyResult], filesChanged: [String], outOfScope: [String]) {
        self.base = base
        self.current = current
        self.filesChanged = filesChanged
        self.outOfScope = outOfScope
    }

    public var findings: [BlockingIssue] { testCountFindings + outOfScopeFindings }

    var testCountFindings: [BlockingIssue] {
        var issues: [BlockingIssue] = []
        for result in current {
            guard let now = result.tests,
                let before = base.first(where: { $0.command == result.command })?.tests
            else { continue }
            if now.total < before.total {
                issues.append(
                    BlockingIssue(
                        severity: "high", file: "",
                        reason:
                            "The test count of `\(result.command)` dropped from \(before.total) to \(now.total): tests were removed or no longer run.",
                        requiredChange: "Keep every existing test running; fix the code, not the tests.", source: "pm",
                        command: result.command))
            }
            if now.skipped > before.skipped {
                issues.append(
                    BlockingIssue(
                        severity: "high", file: "",
                        reason:
                            "`\(result.command)` skips \(now.skipped) test\(now.skipped == 1 ? "" : "s") where the base skipped \(before.skipped).",
                        requiredChange: "Do not skip tests; make them pass.", source: "pm", command: result.command))
            }
        }
        return issues
    }

    var outOfScopeFindings: [BlockingIssue] {
        let patterns = outOfScope.compactMap(Self.pathPattern)
        guard !patterns.isEmpty else { return [] }
        return filesChanged.filter { file in patterns.contains { Self.covers($0, file) } }.map { file in
            BlockingIssue(
                severity: "high", file: file,
                reason: "\(file) is out of scope for this task (the card's out_of_scope), but the change modifies it.",
                requiredChange: "Restore \(file) to its original content.", source: "pm")
        }
    }

    /// An `out_of_scope` entry as a path pattern, or nil when it is prose ("Refactoring the
    /// API"): entries with spaces are descriptions, not paths.
    static func pathPattern(_ entry: String) -> String? {
        var text = entry.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("./") { text.removeFirst(2) }
        guard !text.isEmpty, !text.contains(where: \.isWhitespace), !text.hasPrefix("/"), text != "." else {
            return nil
        }
        return text
    }

    /// Whether a pattern covers a file: the file itself, a folder holding it, or a glob.
    static func covers(_ pattern: String, _ file: String) -> Bool {
        if pattern.hasSuffix("/") { return file.hasPrefix(pattern) }
        if file == pattern || file.hasPrefix(pattern + "/") { return true }
        return pattern.contains(where: { "*?[".contains($0) }) && PathPattern.matches(pattern, file)
    }
}

/// How far the change has come: one line for the fix list, from the task's diff.
public enum ChangeSummary {
    public static func line(files: [String], diff: String) -> String {
        guard !files.isEmpty else { return "No change so far: the task branch is still at its base." }
        var added = 0
        var removed = 0
        for line in diff.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("+++") || line.hasPrefix("---") { continue }
            if line.hasPrefix("+") { added += 1 } else if line.hasPrefix("-") { removed += 1 }
        }
        let shown = files.prefix(8).joined(separator: ", ") + (files.count > 8 ? ", …" : "")
        return "The change so far: \(files.count) file\(files.count == 1 ? "" : "s") (+\(added) −\(removed)): \(shown)."
    }
}
