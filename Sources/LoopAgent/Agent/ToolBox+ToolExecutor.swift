import LoopCore

extension ToolBox: ToolExecutor {
    package var specs: [ToolSpec] { Self.specs }

    /// Adapts a tool result for the agent loop: `finish` ends it; a command that exited
    /// non-zero counts as a failed action for repeat detection (it is still shown to the model).
    package func perform(_ call: ToolCall) async -> ToolExecution {
        let result: ToolResult = await execute(call)
        if let summary = result.finishSummary { return .finished(summary: summary) }
        let failedCommand = call.name == "run" && !result.text.hasPrefix("exit code 0")
        return .result(text: result.text, isError: result.isError || failedCommand)
    }
}
