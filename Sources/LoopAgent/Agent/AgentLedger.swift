import Foundation
import LoopCore

/// Appends one line per model call to the bus's `usage.jsonl`: the server's real token counts,
/// wall time and time to first token.
public struct AgentLedger: Sendable {
    public let context: AgentContext
    public let backend: String
    public let model: String

    public init(context: AgentContext, backend: String, model: String) {
        self.context = context
        self.backend = backend
        self.model = model
    }

    public var path: String { "\(context.busDir)/\(BusPaths.usage)" }

    public func record(_ response: ChatResponse, step: Int) {
        var line: [String: JSONValue] = [
            "ts": .string(Timestamp.now()), "task_id": .string(context.taskID), "run_id": .string(context.loopRunID),
            "dispatch_id": .string(context.runID), "round": .number(Double(context.round)),
            "role": .string(context.role.rawValue), "backend": .string(backend), "model": .string(model),
            "step": .number(Double(step)), "prompt_tokens": .number(Double(response.usage.promptTokens)),
            "completion_tokens": .number(Double(response.usage.completionTokens)),
            "wall_s": .number((response.wallTime * 1000).rounded() / 1000), "source": .string("agent"),
        ]
        if let cached = response.usage.cachedPromptTokens { line["cached_prompt_tokens"] = .number(Double(cached)) }
        if let ttft = response.timeToFirstToken { line["ttft_s"] = .number((ttft * 1000).rounded() / 1000) }
        guard let data = try? JSONEncoder.line.encode(JSONValue.object(line)) else { return }
        try? AtomicFile.appendLine(String(decoding: data, as: UTF8.self), to: path)
    }
}
