/// The bounds of one agent dispatch: a small model must never loop forever or overflow silently.
package struct AgentLimits: Sendable, Equatable {
    /// Model calls (steps) per round.
    package var maxSteps: Int
    /// Prompt + completion tokens per round.
    package var maxTokens: Int
    /// Context window to ask for (`num_ctx`); clamped to what the model supports.
    package var contextLength: Int
    /// Longest reply per step.
    package var replyTokens: Int
    /// Longest reply to an action request, far below `replyTokens`: an action is short, and a
    /// small model's runaway reply (a fragment repeated until the cap) costs seconds per token.
    package var actionReplyTokens: Int
    /// JSON mode: allow only the tools that fit the point reached (look, change, test,
    /// finish), enforced by the schema. See `ActionMenu`.
    package var guidedActions: Bool
    /// Run the card's verify commands after each edit: keep edits that do not make them
    /// worse, undo the ones that do, end the turn when all pass. See `EditGuard`.
    package var editChecks: Bool
    /// Before the agent loop, when verify fails: sample single-line fixes of the lines the
    /// failure points at and keep one only when it makes verify strictly better (needs
    /// `editChecks`). See `RepairSampler`.
    package var repairSampling: Bool
    /// Model samples per line the repair sampling tries.
    package var repairSamples: Int
    /// Seconds the repair sampling may take (sampling and checks together).
    package var repairSeconds: Int
    /// Model samples per position where the repair sampling asks for a NEW line (after a
    /// ranked line, at the top and the end of the best-ranked file); 0: replacements only.
    package var repairInsertSamples: Int
    /// Reviewer: ask one yes/no question over the goal, verify results and diff where verify
    /// failed before the change (see `FocusedReview`), instead of the full review prompt.
    package var focusedReview: Bool
    /// Bytes of one tool result kept in the conversation (head and tail).
    package var toolOutputBytes: Int
    /// Consecutive malformed replies that end the worker's turn (the round goes on).
    package var maxMalformed: Int
    /// Times the same failing action may repeat before the worker's turn ends (the round goes on).
    package var maxRepeatedFailures: Int

    package init(
        maxSteps: Int = 30, maxTokens: Int = 200_000, contextLength: Int = 8192, replyTokens: Int = 1024,
        toolOutputBytes: Int = 6 * 1024, maxMalformed: Int = 3, maxRepeatedFailures: Int = 3,
        actionReplyTokens: Int = 512, guidedActions: Bool = false, editChecks: Bool = false,
        repairSampling: Bool = false, repairSamples: Int = 16, repairSeconds: Int = 150, repairInsertSamples: Int = 0,
        focusedReview: Bool = false
    ) {
        self.focusedReview = focusedReview
        self.repairSampling = repairSampling
        self.repairSamples = repairSamples
        self.repairSeconds = repairSeconds
        self.repairInsertSamples = repairInsertSamples
        self.editChecks = editChecks
        self.guidedActions = guidedActions
        self.actionReplyTokens = actionReplyTokens
        self.maxSteps = maxSteps
        self.maxTokens = maxTokens
        self.contextLength = contextLength
        self.replyTokens = replyTokens
        self.toolOutputBytes = toolOutputBytes
        self.maxMalformed = maxMalformed
        self.maxRepeatedFailures = maxRepeatedFailures
    }
}

/// How the worker asks for actions.
package enum ToolMode: String, Sendable, Codable, CaseIterable {
    /// Probe once per model and remember: native where the model emits tool calls, JSON otherwise.
    case auto
    /// Native tool calls (`tools` in the request).
    case native
    /// One JSON action per reply, constrained by a schema (`format` / `response_format`).
    case json
}
