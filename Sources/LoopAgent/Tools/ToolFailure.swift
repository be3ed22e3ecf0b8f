/// A tool refused or failed; the message goes to the model as an error result.
///
/// Tools throw this (or `WorkspaceError`, `ToolArguments.ArgumentError`) and `ToolBox`
/// turns any of them into `ToolResult.error`, so no input from the model can crash the PM.
struct ToolFailure: Error, Sendable, Equatable {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}
