/// What a tool run gave back.
package enum ToolExecution: Sendable, Equatable {
    /// Output for the model; `isError` marks a failed action (counted for repeat detection).
    case result(text: String, isError: Bool)
    /// The `finish` tool: the worker is done.
    case finished(summary: String)
}

/// The worker's tools, as the agent loop sees them.
package protocol ToolExecutor: Sendable {
    var specs: [ToolSpec] { get }
    func perform(_ call: ToolCall) async -> ToolExecution
}
