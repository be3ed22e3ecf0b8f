/// What a tool call produced, as text for the model.
///
/// Errors are results, not thrown errors: the model must read what went wrong and try
/// again, so a bad path or a failing command is an ordinary turn of the loop.
package struct ToolResult: Sendable, Equatable {
    /// The text sent back to the model (already capped in size by `ToolBox`).
    package var text: String
    /// True when the call failed; the agent loop may count consecutive failures.
    package var isError: Bool
    /// Set only by `finish`: the worker's summary. The agent loop stops when it sees it.
    package var finishSummary: String?

    package init(text: String, isError: Bool = false) {
        self.text = text
        self.isError = isError
        self.finishSummary = nil
    }

    /// A failed call with a message for the model.
    package static func error(_ text: String) -> ToolResult {
        ToolResult(text: text, isError: true)
    }

    /// The special result of `finish`: the agent loop ends the worker and keeps the summary.
    package static func finished(summary: String) -> ToolResult {
        var result = ToolResult(text: "Finished. The PM will check your work.")
        result.finishSummary = summary
        return result
    }

    /// True when this result ends the worker.
    package var isFinish: Bool { finishSummary != nil }
}
