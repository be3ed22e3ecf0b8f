import Foundation

/// The PM's own checks of a round's evidence, which no agent can talk its way past: the test
/// counts must not drop and no new skips may appear against the round's base, and no path
/// the card puts out of scope may change. Each finding is a blocking issue.
package struct EvidenceCheck: Sendable {
    /// Verify results at the round's base (the previous round's head, or the run's base for round 1).
    package var base: [VerifyEvidence]
    package var current: [VerifyResult]
    /// Files changed by the whole task so far (base..head): what a merge would bring in.
    package var filesChanged: [String]
    package var outOfScope: [String]

    package init(base: [VerifyEvidence], current: [VerifyResult], filesChanged: [String], outOfScope: [String]) {
        self.base = base
        self.current = current
        self.filesChanged = filesChanged
        self.outOfScope = outOfScope
    }

    package var findings: [BlockingIssue] { testCountFindings + outOfScopeFindings }

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
        let patterns = outOfScope.compactMap(PathPattern.scopeEntry)
        guard !patterns.isEmpty else { return [] }
        return filesChanged.filter { file in patterns.contains { PathPattern.covers($0, file) } }.map { file in
            BlockingIssue(
                severity: "high", file: file,
                reason: "\(file) is out of scope for this task (the card's out_of_scope), but the change modifies it.",
                requiredChange: "Restore \(file) to its original content.", source: "pm")
        }
    }
}

/// How far the change has come: one line for the fix list, from the task's diff.
package enum ChangeSummary {
    package static func line(files: [String], diff: String) -> String {
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
