import Foundation
import LoopCore

/// The built-in worker: a bounded tool loop over a local model.
///
/// One action per step, validated by us; the goal, criteria, fix list and remaining budget
/// are re-stated after every step; history is append-only so the server's prompt cache is
/// reused, and is compacted into a summary only when the context would overflow.
public struct WorkerAgent: Sendable {
    public var model: any ChatModel
    public var modelName: String
    public var tools: any ToolExecutor
    public var mode: ToolMode
    public var limits: AgentLimits
    public var context: AgentContext
    public var brief: TaskBrief
    public var ledger: AgentLedger
    /// Where streamed tokens and step lines go (the round log, through stdout).
    public var output: @Sendable (String) -> Void

    public init(
        model: any ChatModel, modelName: String, tools: any ToolExecutor, mode: ToolMode, limits: AgentLimits,
        context: AgentContext, brief: TaskBrief, ledger: AgentLedger, output: @escaping @Sendable (String) -> Void
    ) {
        self.model = model
        self.modelName = modelName
        self.tools = tools
        self.mode = mode
        self.limits = limits
        self.context = context
        self.brief = brief
        self.ledger = ledger
        self.output = output
    }

    /// What the worker did, for its report.
    public struct Outcome: Sendable, Equatable {
        public var finished: Bool
        public var summary: String
        public var filesChanged: [String]
        public var commandsRun: [(command: String, passed: Bool)]
        public var steps: Int
        public var tokensUsed: Int

        public static func == (lhs: Outcome, rhs: Outcome) -> Bool {
            lhs.finished == rhs.finished && lhs.summary == rhs.summary && lhs.filesChanged == rhs.filesChanged
                && lhs.steps == rhs.steps && lhs.tokensUsed == rhs.tokensUsed
                && lhs.commandsRun.map(\.command) == rhs.commandsRun.map(\.command)
        }
    }

    /// Runs the loop on `task` (the PM's rendered worker prompt).
    /// - Throws: `AgentFailure` for malformed-action and repeated-failure loops, a prompt that
    ///   cannot fit, or a model error after the client's retries.
    public func run(task: String) async throws -> Outcome {
        let specs = tools.specs
        let system = WorkerPrompts.system(mode: mode, tools: specs)
        var messages = [ChatMessage(role: .system, content: system), ChatMessage(role: .user, content: task)]
        var estimator = TokenEstimator()
        let window = limits.contextLength - limits.replyTokens - 64
        if estimator.estimate(messages) > window {
            throw AgentFailure(
                "the task prompt needs about \(estimator.estimate(messages)) tokens but the model's context allows \(window); "
                    + "use a model with a larger context (--context) or a smaller task", isPermanent: true)
        }
        // A tool result must fit the free context, or compaction would drop it before the
        // model ever saw it: at most half the room the system prompt and task leave.
        let freeTokens = max(128, window - estimator.estimate(messages))
        let resultBytes = max(512, min(limits.toolOutputBytes, freeTokens * 3 / 2))
        var lastResult = ""
        var journal: [String] = []
        var files: [String] = []
        var commands: [(command: String, passed: Bool)] = []
        var tokensUsed = 0
        var malformed = 0
        var failures: [String: Int] = [:]
        // Consecutive steps that failed (malformed or a failed action): each one raises the
        // temperature a little, so a small model stuck on one reply can get out of it.
        var stuck = 0
        let seed = Self.stableSeed(context.runID)

        for step in 1...max(1, limits.maxSteps) {
            try Task.checkCancellation()
            if tokensUsed >= limits.maxTokens {
                return Outcome(
                    finished: false, summary: "Stopped: the round's token budget (\(limits.maxTokens)) ran out. " + journalSummary(journal),
                    filesChanged: files, commandsRun: commands, steps: step - 1, tokensUsed: tokensUsed)
            }
            if estimator.estimate(messages) > window {
                messages = compacted(task: task, system: system, journal: journal, files: files, lastResult: lastResult)
                output("[loop-agent] context compacted after \(journal.count) steps to fit \(limits.contextLength) tokens")
            }
            let request = ChatRequest(
                model: modelName, messages: messages, tools: mode == .native ? specs : nil,
                responseSchema: mode == .json ? ActionSchema.schema(for: specs) : nil,
                temperature: min(1.0, 0.2 + 0.3 * Double(stuck)), seed: seed &+ step,
                maxTokens: limits.replyTokens, contextLength: limits.contextLength, keepAlive: "30m")
            output("[loop-agent] step \(step)/\(limits.maxSteps)")
            let response = try await model.chat(request) { token in output(token) }
            ledger.record(response, step: step)
            estimator.calibrate(messages: messages, promptTokens: response.usage.promptTokens)
            tokensUsed += response.usage.promptTokens + response.usage.completionTokens

            let parsed: Result<ToolCall, ActionError>
            if let call = response.toolCalls.first {
                parsed = ActionParser.validate(call, tools: specs)
            } else {
                parsed = ActionParser.parse(response.content, tools: specs)
            }
            guard case .success(let call) = parsed else {
                let reason = (try? parsed.get()).map { _ in "" } ?? Self.reason(parsed)
                malformed += 1
                stuck += 1
                journal.append("step \(step): malformed reply (\(reason))")
                output("[loop-agent] malformed action \(malformed)/\(limits.maxMalformed): \(reason)")
                if malformed >= limits.maxMalformed {
                    throw AgentFailure("\(malformed) malformed actions in a row; the last: \(reason)")
                }
                messages.append(ChatMessage(role: .assistant, content: response.content))
                messages.append(ChatMessage(role: .user, content: WorkerPrompts.correction(reason, tools: specs)))
                continue
            }
            malformed = 0
            let execution = await tools.perform(call)
            let argumentsText = WorkerPrompts.compact(call.arguments)
            switch execution {
            case .finished(let summary):
                journal.append("step \(step): finish")
                return Outcome(finished: true, summary: summary, filesChanged: files, commandsRun: commands, steps: step, tokensUsed: tokensUsed)
            case .result(let text, let isError):
                let key = call.name + argumentsText
                stuck = isError ? stuck + 1 : 0
                if isError {
                    failures[key, default: 0] += 1
                    if failures[key, default: 0] >= limits.maxRepeatedFailures {
                        throw AgentFailure("the same failing action \(limits.maxRepeatedFailures) times: \(call.name) \(argumentsText.prefix(200)) → \(text.prefix(200))")
                    }
                } else if ["write_file", "edit_file"].contains(call.name), let path = call.arguments["path"]?.stringValue {
                    if !files.contains(path) { files.append(path) }
                    // A successful change is progress: a test that failed before may pass now.
                    failures.removeAll()
                }
                if call.name == "run", let command = call.arguments["command"]?.stringValue {
                    commands.append((command, !isError))
                }
                journal.append("step \(step): \(call.name) \(argumentsText.prefix(120)) → \(isError ? "error: " : "ok: ")\(text.prefix(100).replacingOccurrences(of: "\n", with: " "))")
                let reminder = brief.reminder(step: step, maxSteps: limits.maxSteps, tokensUsed: tokensUsed, maxTokens: limits.maxTokens)
                let result = Self.bounded(text, limit: resultBytes)
                lastResult = "RESULT of \(call.name) \(argumentsText.prefix(160)):\n\(Self.bounded(text, limit: resultBytes / 2))"
                if mode == .native && !response.toolCalls.isEmpty {
                    messages.append(ChatMessage(role: .assistant, content: response.content, toolCalls: [call]))
                    messages.append(ChatMessage(role: .tool, content: result, toolCallID: call.id, toolName: call.name))
                    messages.append(ChatMessage(role: .user, content: reminder))
                } else {
                    messages.append(ChatMessage(role: .assistant, content: WorkerPrompts.canonical(call)))
                    messages.append(ChatMessage(
                        role: .user, content: "RESULT of \(call.name)\(isError ? " (error)" : ""):\n\(result)\n\n\(reminder)"))
                }
            }
        }
        return Outcome(
            finished: false, summary: "Stopped: the round's step budget (\(limits.maxSteps)) ran out. " + journalSummary(journal),
            filesChanged: files, commandsRun: commands, steps: limits.maxSteps, tokensUsed: tokensUsed)
    }

    private static func reason(_ result: Result<ToolCall, ActionError>) -> String {
        if case .failure(let error) = result { return error.reason }
        return ""
    }

    /// A fresh context: the same system prompt and task, plus a deterministic account of the
    /// steps so far (the model's own words are not needed to continue).
    private func compacted(task: String, system: String, journal: [String], files: [String], lastResult: String)
        -> [ChatMessage]
    {
        let recent = journal.suffix(12)
        let summary = """
            [The conversation was compacted to fit the model's context window. \(journal.count) steps so far.]
            Files changed so far: \(files.isEmpty ? "none" : files.joined(separator: ", "))
            Recent steps:
            \(recent.joined(separator: "\n"))
            \(lastResult.isEmpty ? "" : "The last result, which you have not acted on yet:\n" + lastResult)
            Continue from here.
            """
        return [ChatMessage(role: .system, content: system), ChatMessage(role: .user, content: task + "\n\n" + summary)]
    }

    private func journalSummary(_ journal: [String]) -> String {
        journal.isEmpty ? "" : "Last steps: " + journal.suffix(5).joined(separator: " | ")
    }

    /// A seed that differs per dispatch (retries explore) but is the same for the same
    /// dispatch id (FNV-1a; `hashValue` changes every process).
    static func stableSeed(_ text: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int(hash & 0x7fff_ffff)
    }

    /// Keeps the head and tail of long tool output, cutting the middle with a notice.
    static func bounded(_ text: String, limit: Int) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count > limit else { return text }
        let half = limit / 2
        return String(decoding: bytes.prefix(half), as: UTF8.self)
            + "\n[... \(bytes.count - 2 * half) bytes cut; use read_file with start_line/end_line or search to see them ...]\n"
            + String(decoding: bytes.suffix(half), as: UTF8.self)
    }
}
