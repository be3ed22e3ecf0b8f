import Foundation
import LoopCore

/// The built-in worker: a bounded tool loop over a local model.
///
/// One action per step, validated by us; the goal, criteria, fix list and remaining budget
/// are re-stated after every step; history is append-only so the server's prompt cache is
/// reused, and is compacted into a summary only when the context would overflow.
package struct WorkerAgent: Sendable {
    package var model: any ChatModel
    package var modelName: String
    package var tools: any ToolExecutor
    package var mode: ToolMode
    package var limits: AgentLimits
    package var context: AgentContext
    package var brief: TaskBrief
    package var ledger: AgentLedger
    /// Where streamed tokens and step lines go (the round log, through stdout).
    package var output: @Sendable (String) -> Void

    package init(
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

    /// Why a worker ended its turn without calling `finish`. A stuck worker is the normal case
    /// the loop exists for: its turn ends with a report and the round goes on to verify and
    /// the fix list, instead of the dispatch failing.
    package enum StopReason: String, Sendable, Equatable {
        case malformedReplies = "malformed_replies"
        case repeatedFailure = "repeated_failure"
        case stepBudget = "step_budget"
        case tokenBudget = "token_budget"
    }

    /// What the worker did, for its report.
    package struct Outcome: Sendable, Equatable {
        package var finished: Bool
        package var summary: String
        package var filesChanged: [String]
        package var commandsRun: [(command: String, passed: Bool)]
        package var steps: Int
        package var tokensUsed: Int
        /// Set when the turn ended without `finish`.
        package var stopReason: StopReason?
        /// What the worker got stuck on: the failing action and the tail of its result, in one
        /// paragraph for the fix list ("do not repeat it"). Empty when it was not stuck.
        package var stuckOn: String
        /// What the repair sampling step did before the loop (see `RepairSampler`); empty
        /// when it did not run. Goes into the work report's notes.
        package var repairSummary: String = ""

        package init(
            finished: Bool, summary: String, filesChanged: [String], commandsRun: [(command: String, passed: Bool)],
            steps: Int, tokensUsed: Int, stopReason: StopReason? = nil, stuckOn: String = "", repairSummary: String = ""
        ) {
            self.repairSummary = repairSummary
            self.finished = finished
            self.summary = summary
            self.filesChanged = filesChanged
            self.commandsRun = commandsRun
            self.steps = steps
            self.tokensUsed = tokensUsed
            self.stopReason = stopReason
            self.stuckOn = stuckOn
        }

        package static func == (lhs: Outcome, rhs: Outcome) -> Bool {
            lhs.finished == rhs.finished && lhs.summary == rhs.summary && lhs.filesChanged == rhs.filesChanged
                && lhs.steps == rhs.steps && lhs.tokensUsed == rhs.tokensUsed
                && lhs.commandsRun.map(\.command) == rhs.commandsRun.map(\.command)
                && lhs.stopReason == rhs.stopReason && lhs.stuckOn == rhs.stuckOn && lhs.repairSummary == rhs.repairSummary
        }
    }

    /// Runs the loop on `task` (the PM's rendered worker prompt).
    /// Malformed replies, a repeated failing action and the step and token budgets end the
    /// turn normally, with `stopReason` set.
    /// - Throws: `AgentFailure` for a prompt that cannot fit, or a model error after the
    ///   client's retries (infrastructure faults, which the PM retries).
    package func run(task: String) async throws -> Outcome {
        let specs = tools.specs
        let system = WorkerPrompts.system(mode: mode, tools: specs, brief: brief)
        // Checks each edit against the card's verify commands (see `EditGuard`).
        var editGuard = EditGuard(commands: limits.editChecks ? brief.verify : [], workdir: context.workdir)
        var tokensUsed = 0
        var files: [String] = []
        if limits.repairSampling, editGuard.isActive {
            let repair = await repairSampler().run(brief: brief, workdir: context.workdir, tools: tools, editGuard: &editGuard)
            tokensUsed += repair.tokensUsed
            files = repair.filesChanged
            if repair.solved {
                output("[loop-agent] turn ended: every verify command passes after repair sampling\n")
                return Outcome(
                    finished: true,
                    summary: "Changed \(files.joined(separator: ", ")); every verify command passes. \(repair.summary)\n\(repair.checks)",
                    filesChanged: files, commandsRun: [], steps: 0, tokensUsed: tokensUsed, repairSummary: repair.summary)
            }
            var repairNote = ""
            if !repair.kept.isEmpty {
                repairNote = "\n\nBefore your turn, single-line fixes were tried and checked; kept: "
                    + repair.kept.joined(separator: "; ") + ". The checks now: \(repair.checks)"
            }
            if repair.samples > 0 { repairNote += "\n\n(\(repair.summary))" }
            var outcome = try await agentLoop(
                task: task + repairNote, system: system, editGuard: editGuard, files: files, tokensUsed: tokensUsed)
            outcome.repairSummary = repair.samples > 0 || !repair.kept.isEmpty ? repair.summary : ""
            return outcome
        }
        return try await agentLoop(task: task, system: system, editGuard: editGuard, files: files, tokensUsed: tokensUsed)
    }

    /// The agent loop proper: one action per step until finish, a solving edit or a stop.
    private func agentLoop(
        task: String, system: String, editGuard startingGuard: EditGuard, files startingFiles: [String], tokensUsed startingTokens: Int
    ) async throws -> Outcome {
        let specs = tools.specs
        var editGuard = startingGuard
        var files = startingFiles
        var tokensUsed = startingTokens
        // Shown after the repair step, so the model sees the files as they are now.
        let filesSection = InScopeFiles.section(
            paths: brief.inScope, workdir: context.workdir, budgetTokens: (limits.contextLength - limits.replyTokens) / 4)
        let task = task + filesSection
        // JSON mode with guided actions: the schema allows only the tools that fit this point.
        let guided = mode == .json && limits.guidedActions
        var menu = ActionMenu(hasSeenContent: !filesSection.isEmpty)
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
        var commands: [(command: String, passed: Bool)] = []
        var malformed = 0
        var failures: [String: Int] = [:]
        // The last failed action and the tail of what it gave back, for the report.
        var lastFailure = ""
        // Consecutive steps that failed (malformed or a failed action): each one raises the
        // temperature a little, so a small model stuck on one reply can get out of it.
        var stuck = 0
        let seed = Self.stableSeed(context.runID)
        var announcedGuardOff = false

        for step in 1...max(1, limits.maxSteps) {
            try Task.checkCancellation()
            if tokensUsed >= limits.maxTokens {
                return Outcome(
                    finished: false, summary: "Stopped: the round's token budget (\(limits.maxTokens)) ran out. " + journalSummary(journal),
                    filesChanged: files, commandsRun: commands, steps: step - 1, tokensUsed: tokensUsed,
                    stopReason: .tokenBudget, stuckOn: lastFailure)
            }
            if estimator.estimate(messages) > window {
                messages = compacted(task: task, system: system, journal: journal, files: files, lastResult: lastResult)
                output("[loop-agent] context compacted after \(journal.count) steps to fit \(limits.contextLength) tokens")
            }
            let request = ChatRequest(
                model: modelName, messages: messages, tools: mode == .native ? specs : nil,
                responseSchema: mode == .json ? ActionSchema.schema(for: guided ? menu.allowed(specs) : specs) : nil,
                temperature: min(1.0, 0.2 + 0.3 * Double(stuck)), seed: seed &+ step,
                maxTokens: min(limits.replyTokens, limits.actionReplyTokens), contextLength: limits.contextLength, keepAlive: "30m")
            output("[loop-agent] step \(step)/\(limits.maxSteps)")
            let response: ChatResponse
            switch try await chatCuttingRunaways(request) {
            case .reply(let reply):
                response = reply
            case .runaway(let reason):
                malformed += 1
                stuck += 1
                journal.append("step \(step): runaway reply cut (\(reason))")
                output("\n[loop-agent] reply cut: \(reason) (malformed \(malformed)/\(limits.maxMalformed))\n")
                if malformed >= limits.maxMalformed {
                    return malformedStop(
                        "the last ran away (\(reason))", count: malformed, journal: journal, files: files,
                        commands: commands, step: step, tokensUsed: tokensUsed, lastFailure: lastFailure)
                }
                messages.append(ChatMessage(role: .user, content: WorkerPrompts.runawayCorrection(tools: specs)))
                continue
            }
            ledger.record(response, step: step)
            estimator.calibrate(messages: messages, promptTokens: response.usage.promptTokens)
            tokensUsed += response.usage.promptTokens + response.usage.completionTokens

            let parsed: Result<ToolCall, ActionError>
            if let call = response.toolCalls.first {
                parsed = ActionParser.validate(call, tools: specs)
            } else {
                parsed = ActionParser.parse(response.content, tools: guided ? menu.allowed(specs) : specs)
            }
            guard case .success(let call) = parsed else {
                let reason = (try? parsed.get()).map { _ in "" } ?? Self.reason(parsed)
                malformed += 1
                stuck += 1
                journal.append("step \(step): malformed reply (\(reason))")
                output("[loop-agent] malformed action \(malformed)/\(limits.maxMalformed): \(reason)")
                if malformed >= limits.maxMalformed {
                    return malformedStop(
                        "the last: \(reason)", count: malformed, journal: journal, files: files,
                        commands: commands, step: step, tokensUsed: tokensUsed, lastFailure: lastFailure)
                }
                messages.append(ChatMessage(role: .assistant, content: response.content))
                messages.append(ChatMessage(role: .user, content: WorkerPrompts.correction(reason, tools: specs)))
                continue
            }
            malformed = 0
            let argumentsText = WorkerPrompts.compact(call.arguments)
            var execution: ToolExecution
            if call.name == "run", let command = call.arguments["command"]?.stringValue,
                let advice = RunCommandAdvisor.advice(for: command, workdir: context.workdir, taskID: context.taskID)
            {
                // A command that cannot be what the model means (the task id, prose, git, which
                // the PM owns) is answered with a hint instead of being run.
                output("[loop-agent] not run: \(command.prefix(120))")
                execution = .result(text: advice, isError: true)
            } else if let advice = EditAdvisor.advice(for: call, brief: brief) {
                output("[loop-agent] not changed: \(advice.prefix(120))")
                execution = .result(text: advice, isError: true)
            } else {
                let snapshot = await editGuard.beforeEdit(call, tools: tools)
                execution = await tools.perform(call)
                if let snapshot, case .result(let text, false) = execution {
                    switch await editGuard.afterEdit(snapshot, tools: tools) {
                    case .unchecked:
                        break
                    case .kept(let report):
                        execution = .result(text: text + "\n\n" + report, isError: false)
                    case .undone(let report):
                        output("[loop-agent] edit undone: the checks got worse")
                        execution = .result(text: text + "\n\n" + report, isError: true)
                    case .solved(let report):
                        if !files.contains(snapshot.relative) { files.append(snapshot.relative) }
                        journal.append("step \(step): \(call.name) \(argumentsText.prefix(120)) → every verify command passes")
                        output("[loop-agent] turn ended: every verify command passes after the edit")
                        return Outcome(
                            finished: true,
                            summary: "Changed \(files.joined(separator: ", ")); every verify command passes after the last edit.\n\(report)",
                            filesChanged: files, commandsRun: commands, steps: step, tokensUsed: tokensUsed)
                    }
                }
            }
            if let reason = editGuard.offReason, !announcedGuardOff {
                announcedGuardOff = true
                output("[loop-agent] \(reason)")
            }
            switch execution {
            case .finished(let summary):
                journal.append("step \(step): finish")
                return Outcome(finished: true, summary: summary, filesChanged: files, commandsRun: commands, steps: step, tokensUsed: tokensUsed)
            case .result(let text, let isError):
                let key = call.name + argumentsText
                stuck = isError ? stuck + 1 : 0
                if isError {
                    failures[key, default: 0] += 1
                    lastFailure = "`\(call.name) \(argumentsText.prefix(200))` failed: \(Self.tail(text, 300))"
                    if failures[key, default: 0] >= limits.maxRepeatedFailures {
                        let stuckOn =
                            "`\(call.name) \(argumentsText.prefix(200))` failed \(limits.maxRepeatedFailures) times: \(Self.tail(text, 300)) — do not repeat it"
                        output("[loop-agent] turn ended: the same failing action \(limits.maxRepeatedFailures) times")
                        // The result is recorded so the report can name what was tried.
                        if call.name == "run", let command = call.arguments["command"]?.stringValue {
                            commands.append((command, false))
                        }
                        return Outcome(
                            finished: false,
                            summary: "Stopped: the same failing action \(limits.maxRepeatedFailures) times. " + journalSummary(journal),
                            filesChanged: files, commandsRun: commands, steps: step, tokensUsed: tokensUsed,
                            stopReason: .repeatedFailure, stuckOn: stuckOn)
                    }
                } else if ["write_file", "edit_file"].contains(call.name), let path = call.arguments["path"]?.stringValue {
                    if !files.contains(path) { files.append(path) }
                    menu.hasChanged = true
                    // A successful change is progress: a test that failed before may pass now.
                    failures.removeAll()
                }
                if call.name == "run", let command = call.arguments["command"]?.stringValue {
                    commands.append((command, !isError))
                }
                journal.append("step \(step): \(call.name) \(argumentsText.prefix(120)) → \(isError ? "error: " : "ok: ")\(text.prefix(100).replacingOccurrences(of: "\n", with: " "))")
                if call.name == "read_file", !isError { menu.hasSeenContent = true }
                var reminder = brief.reminder(step: step, maxSteps: limits.maxSteps, tokensUsed: tokensUsed, maxTokens: limits.maxTokens)
                if guided { reminder += "\n" + menu.nextStep }
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
            filesChanged: files, commandsRun: commands, steps: limits.maxSteps, tokensUsed: tokensUsed,
            stopReason: .stepBudget, stuckOn: lastFailure)
    }

    /// The repair step with this worker's model, ledger and limits; it may spend at most half
    /// the round's tokens.
    private func repairSampler() -> RepairSampler {
        var budget = RepairSampler.Budget()
        budget.samplesPerLine = max(1, limits.repairSamples)
        budget.insertSamples = max(0, limits.repairInsertSamples)
        budget.maxSeconds = Double(max(1, limits.repairSeconds))
        budget.maxTokens = min(budget.maxTokens, limits.maxTokens / 2)
        return RepairSampler(
            model: model, modelName: modelName, ledger: ledger, output: output, budget: budget,
            seed: Self.stableSeed(context.runID + ".repair"), contextLength: limits.contextLength)
    }

    /// The last `limit` bytes of a tool result on one line: the end of a command's output is
    /// where its error is.
    static func tail(_ text: String, _ limit: Int) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ⏎ ")
        let bytes = Array(flat.utf8)
        guard bytes.count > limit else { return flat }
        return "…" + String(decoding: bytes.suffix(limit), as: UTF8.self)
    }

    /// The turn's end after too many replies that were not actions.
    private func malformedStop(
        _ last: String, count: Int, journal: [String], files: [String], commands: [(command: String, passed: Bool)],
        step: Int, tokensUsed: Int, lastFailure: String
    ) -> Outcome {
        let stuckOn = "\(count) replies in a row were not valid actions; \(last)"
        output("[loop-agent] turn ended: \(stuckOn)")
        return Outcome(
            finished: false, summary: "Stopped: \(stuckOn). " + journalSummary(journal), filesChanged: files,
            commandsRun: commands, steps: step, tokensUsed: tokensUsed, stopReason: .malformedReplies,
            stuckOn: lastFailure.isEmpty ? stuckOn : stuckOn + ". Before that: " + lastFailure)
    }

    enum ChatOutcome {
        case reply(ChatResponse)
        /// The reply degenerated and was cut mid-stream; the reason says how.
        case runaway(String)
    }

    /// One model call whose stream is cut as soon as it runs away (see `RunawayDetector`),
    /// instead of running to the reply cap.
    private func chatCuttingRunaways(_ request: ChatRequest) async throws -> ChatOutcome {
        let detector = RunawayDetector()
        let call = Locked<Task<ChatResponse, any Error>?>(nil)
        let task = Task { [model, output] in
            try await model.chat(request) { token in
                output(token)
                if detector.feed(token) != nil { call.value?.cancel() }
            }
        }
        call.set(task)
        do {
            return .reply(try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() })
        } catch {
            try Task.checkCancellation()
            if let reason = detector.reason { return .runaway(reason) }
            throw error
        }
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
