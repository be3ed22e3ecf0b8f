import Foundation
import LoopCore

/// The short re-statement of the task appended to every step, so a small model never loses
/// the goal, the acceptance criteria or the fix list (no amnesia).
package struct TaskBrief: Sendable, Equatable {
    package var goal: String
    package var acceptanceCriteria: [String]
    package var fixes: [String]
    /// The card's `in_scope` paths: small ones are shown to the model in the first prompt.
    package var inScope: [String]
    /// The card's verify commands: the example `run` command the model sees.
    package var verify: [String] = []
    /// The card's `out_of_scope` entries: paths among them the worker may not change.
    package var outOfScope: [String] = []

    /// A file to show in the tool examples: the first in-scope file (not a folder or glob).
    package var exampleFile: String {
        inScope.first { !$0.hasSuffix("/") && !$0.contains("*") && !$0.contains(" ") } ?? "README.md"
    }

    package init(goal: String, acceptanceCriteria: [String], fixes: [String], inScope: [String] = []) {
        self.goal = goal
        self.acceptanceCriteria = acceptanceCriteria
        self.fixes = fixes
        self.inScope = inScope
    }

    /// Reads the card of the running task and this round's fix list from the bus.
    package static func load(context: AgentContext) -> TaskBrief {
        var goal = ""
        var criteria: [String] = []
        var inScope: [String] = []
        var verify: [String] = []
        var outOfScope: [String] = []
        if let state = try? RunState.load(from: "\(context.busDir)/\(BusPaths.state)"),
            let card = try? TaskCard.load(from: Self.cardPath(state, busDir: context.busDir))
        {
            goal = card.goal
            criteria = card.acceptanceCriteria
            inScope = card.inScope
            verify = card.verify
            outOfScope = card.outOfScope
        }
        var fixes: [String] = []
        if let list = FixList.load("\(context.busDir)/\(BusPaths.fixList)"), list.round == context.round,
            list.runID == context.loopRunID
        {
            fixes = list.fixes.map { fix in
                (fix.file.isEmpty ? "" : "\(fix.file): ") + fix.reason
                    + (fix.requiredChange.map { " → \($0.prefix(300))" } ?? "")
            }
        }
        var brief = TaskBrief(goal: goal, acceptanceCriteria: criteria, fixes: fixes, inScope: inScope)
        brief.verify = verify
        brief.outOfScope = outOfScope
        return brief
    }

    /// The card the run judges by: the snapshot taken at run start, else the card file.
    private static func cardPath(_ state: RunState, busDir: String) -> String {
        let snapshot = state.cardSnapshot(BusPaths(loopDir: busDir))
        return FileManager.default.fileExists(atPath: snapshot) ? snapshot : state.taskPath
    }

    /// The reminder block, with the remaining budget.
    package func reminder(step: Int, maxSteps: Int, tokensUsed: Int, maxTokens: Int) -> String {
        var lines = ["[status] step \(step) of \(maxSteps) done · tokens used \(tokensUsed) of \(maxTokens)"]
        if !goal.isEmpty { lines.append("GOAL: \(goal)") }
        if !acceptanceCriteria.isEmpty {
            lines.append("ACCEPTANCE: " + acceptanceCriteria.map { "- \($0)" }.joined(separator: " "))
        }
        if !fixes.isEmpty {
            lines.append("FIX LIST: " + fixes.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: " "))
        }
        lines.append("Reply with exactly one action. Call finish when the goal is met.")
        return lines.joined(separator: "\n")
    }
}
