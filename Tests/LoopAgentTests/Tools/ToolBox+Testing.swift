import LoopCore

@testable import LoopAgent

extension ToolSandboxFixture {
    /// A tool box whose shell is unavailable (file-tool tests never start processes).
    func toolBox(limits: ToolLimits = ToolLimits()) -> ToolBox {
        ToolBox(
            workspace: workspace,
            shell: ShellSandbox(workspace: workspace, availability: .unavailable(reason: "not in this test")),
            limits: limits)
    }
}

extension ToolBox {
    /// Calls a tool with an object of arguments.
    func call(_ name: String, _ arguments: [String: JSONValue] = [:]) async -> ToolResult {
        await execute(ToolCall(id: "t", name: name, arguments: .object(arguments)))
    }
}
