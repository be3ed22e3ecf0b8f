import Foundation
import LoopCore

/// The worker's tools: list, read, search, write, edit, run and finish, confined to one
/// workspace.
///
/// `execute` never throws and never crashes on model input: unknown tools, missing or
/// mistyped arguments, refused paths and failed commands all come back as an error result
/// whose text tells the model what to do. Every result is capped at
/// `limits.outputBytes` (head and tail kept), so one call cannot flood the context.
///
/// `isError` means the tool could not do what was asked (bad path, refused, timed out);
/// a command that ran and exited non-zero is not an error — failing tests are information.
package struct ToolBox: Sendable {
    package let workspace: Workspace
    package let shell: ShellSandbox
    package let limits: ToolLimits

    package init(workspace: Workspace, shell: ShellSandbox, limits: ToolLimits = ToolLimits()) {
        self.workspace = workspace
        self.shell = shell
        self.limits = limits
    }

    /// Longest `run` command accepted (well under Linux's 128 KiB per-argument limit).
    static let maxCommandBytes = 64 * 1024

    /// The tool names, in the order of `specs`.
    package static var names: [String] { specs.map(\.name) }

    /// Runs one tool call and returns its (size-capped) result.
    package func execute(_ call: ToolCall) async -> ToolResult {
        let result: ToolResult
        do {
            let arguments = try ToolArguments(tool: call.name, raw: call.arguments)
            result = try await dispatch(call.name, arguments)
        } catch let error as WorkspaceError {
            result = .error(error.errorDescription ?? "path refused")
        } catch let error as ToolArguments.ArgumentError {
            result = .error(error.message)
        } catch let error as ToolFailure {
            result = .error(error.message)
        } catch {
            result = .error("\(call.name) failed: \(error.localizedDescription)")
        }
        if result.isFinish { return result }
        var capped = result
        capped.text = OutputTruncator.truncate(result.text, limit: limits.outputBytes)
        return capped
    }

    private func dispatch(_ name: String, _ arguments: ToolArguments) async throws -> ToolResult {
        switch name {
        case "list_dir": return try ListDirTool(workspace: workspace, limits: limits)(arguments)
        case "read_file": return try ReadFileTool(workspace: workspace, limits: limits)(arguments)
        case "search": return try SearchTool(workspace: workspace, limits: limits)(arguments)
        case "write_file": return try WriteFileTool(workspace: workspace)(arguments)
        case "edit_file": return try EditFileTool(workspace: workspace, limits: limits)(arguments)
        case "run": return try await runCommand(arguments)
        case "finish":
            let summary = try arguments.string("summary")
            guard !summary.trimmingWhitespace().isEmpty else {
                throw ToolFailure("summary must not be empty; say what you changed and how you checked it")
            }
            return .finished(summary: summary)
        default:
            throw ToolFailure("unknown tool '\(name)'; available tools: \(Self.names.joined(separator: ", "))")
        }
    }

    private func runCommand(_ arguments: ToolArguments) async throws -> ToolResult {
        let command = try arguments.string("command")
        guard !command.trimmingWhitespace().isEmpty else { throw ToolFailure("command must not be empty") }
        // Linux caps one argv string at 128 KiB; say what to do instead of failing to spawn.
        guard command.utf8.count <= Self.maxCommandBytes else {
            throw ToolFailure("command is too long; write a script with write_file and run that instead")
        }
        let outcome = await shell.run(command, outputLimit: max(256, limits.outputBytes - 64))
        let output = outcome.output.isEmpty ? "(no output)\n" : outcome.output
        switch outcome.status {
        case .exited(let code):
            return ToolResult(text: "exit code \(code)\n" + output)
        case .signaled(let signal):
            return ToolResult(text: "killed by signal \(signal)\n" + output)
        case .timedOut(let seconds):
            return .error(
                "timed out after \(Int(seconds)) s and was stopped; run something quicker or narrower\n" + output)
        case .cancelled:
            return .error("the command was stopped because the run is being cancelled\n" + output)
        case .blocked(let message), .unavailable(let message):
            return .error(message)
        }
    }
}
