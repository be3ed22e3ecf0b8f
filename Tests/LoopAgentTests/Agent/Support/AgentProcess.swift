import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

/// Runs the real built `loop agent` the way `loop run` does: `LOOP_*` in the environment, the
/// prompt in a file, its own process group.
enum AgentProcess {
    /// The package's `.build/debug/loop` (`swift build` makes it before the tests run).
    static let binary: String = {
        URL(fileURLWithPath: #filePath)  // Tests/LoopAgentTests/Agent/Support/AgentProcess.swift
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/loop").path
    }()

    struct Result: Sendable {
        var exitCode: Int32
        var stdout: String
        var stderr: String

        var errorLines: [String] { stderr.split(separator: "\n").map(String.init) }
    }

    /// Runs `loop agent <arguments>` for `role` in `workspace`, with `prompt` as the prompt file.
    /// Inherited `LOOP_*`, `OPENAI_*` and `OLLAMA_*` variables are dropped so the test alone
    /// decides what the agent sees.
    static func run(
        _ arguments: [String], role: Role, workspace: AgentWorkspace, prompt: String, environment: [String: String]
    ) async throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw AgentTestError("no built loop at \(binary); run `swift build` first")
        }
        let context = workspace.context(role: role)
        try prompt.write(toFile: context.promptFile, atomically: true, encoding: .utf8)
        var env = [
            "LOOP_ROLE": role.rawValue, "LOOP_RUN_ID": context.runID, "LOOP_ROUND": "\(context.round)",
            "LOOP_TASK_ID": context.taskID, "LOOP_WORKDIR": context.workdir, "LOOP_REPORT_PATH": context.reportPath,
            "LOOP_BUS_DIR": context.busDir, "LOOP_PROMPT_FILE": context.promptFile, "NO_COLOR": "1",
        ]
        env.merge(environment) { $1 }
        let inherited = ProcessInfo.processInfo.environment.keys.filter {
            $0.hasPrefix("LOOP_") || $0.hasPrefix("OPENAI_") || $0.hasPrefix("OLLAMA_")
        }
        let spec = ProcessSpec(
            arguments: [binary, "agent"] + arguments, workingDirectory: workspace.root, environment: env,
            removedEnvironment: Array(inherited), timeout: .seconds(40), killGrace: .seconds(1))
        let out = Locked<[String]>([])
        let err = Locked<[String]>([])
        let outcome = try await ProcessRunner.run(spec) { stream, line in
            switch stream {
            case .stdout: out.withLock { $0.append(line) }
            case .stderr: err.withLock { $0.append(line) }
            }
        }
        return Result(
            exitCode: outcome.exitCode ?? (128 + (outcome.signal ?? 0)), stdout: out.value.joined(separator: "\n"),
            stderr: err.value.joined(separator: "\n"))
    }

    /// The lines of the bus's `usage.jsonl`.
    static func usage(_ workspace: AgentWorkspace) -> [JSONValue] {
        let text = (try? String(contentsOfFile: workspace.bus + "/" + BusPaths.usage, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
    }

    /// The identity the report of `role` must echo.
    static func identity(_ workspace: AgentWorkspace, role: Role) -> ReportIdentity {
        let context = workspace.context(role: role)
        return ReportIdentity(taskID: context.taskID, round: context.round, runID: context.runID)
    }
}

extension ScriptedHTTPServer.Response {
    /// llama.cpp's `GET /props`, with the context the server runs with.
    static func props(contextLength: Int) -> Self {
        .json(LoopAgentTests.json(["default_generation_settings": ["n_ctx": contextLength]]), path: "/props")
    }

    /// A whole (`stream: false`) OpenAI answer: a tool call, or text when `tool` is nil.
    static func openAICompletion(tool: String?, text: String = "", prompt: Int = 20, completion: Int = 4) -> Self {
        var message: [String: Any] = ["role": "assistant", "content": tool == nil ? text : NSNull()]
        if let tool {
            message["tool_calls"] = [
                ["id": "call_p1", "type": "function", "function": ["name": tool, "arguments": "{}"]]
            ]
        }
        return .json(
            LoopAgentTests.json([
                "id": "chatcmpl-p", "object": "chat.completion", "created": 1_746_093_600, "model": OpenAI.model,
                "choices": [["index": 0, "message": message, "finish_reason": tool == nil ? "stop" : "tool_calls"]],
                "usage": [
                    "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
                ],
            ]), path: "/v1/chat/completions")
    }
}

extension ScriptedHTTPServer.Request {
    /// The tool-mode probe: a non-streamed request offering only the `ping` tool.
    var isProbe: Bool {
        let tools = object["tools"] as? [[String: Any]] ?? []
        return tools.count == 1 && (tools[0]["function"] as? [String: Any])?["name"] as? String == "ping"
    }
}
