import Foundation
import LoopCore

/// Appends one line per model call to the bus's `usage.jsonl`: the server's real token counts,
/// wall time and time to first token.
package struct AgentLedger: Sendable {
    package let context: AgentContext
    package let backend: String
    package let model: String

    package init(context: AgentContext, backend: String, model: String) {
        self.context = context
        self.backend = backend
        self.model = model
    }

    package var path: String { "\(context.busDir)/\(BusPaths.usage)" }

    package func record(_ response: ChatResponse, step: Int) {
        UsageLedger(path: path).append(
            UsageEntry(
                taskID: context.taskID, runID: context.loopRunID, dispatchID: context.runID, round: context.round,
                role: context.role.rawValue, backend: backend, model: model, step: step,
                promptTokens: response.usage.promptTokens, cachedPromptTokens: response.usage.cachedPromptTokens,
                completionTokens: response.usage.completionTokens, wallS: UsageEntry.seconds(response.wallTime),
                ttftS: response.timeToFirstToken.map(UsageEntry.seconds), source: "agent"))
    }
}
