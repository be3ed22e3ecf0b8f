import Foundation
import LoopCore

/// Settings of one `loop agent` process.
package struct AgentSettings: Sendable {
    package var provider: String
    package var model: String
    package var toolMode: ToolMode
    package var limits: AgentLimits
    package var unsafeShell: Bool
    /// Seconds one shell command may run.
    package var shellTimeout: Int
    /// Largest file one shell command may write (also its `/tmp` size).
    package var shellMaxFileBytes: Int
    /// How long to wait for the model server (first byte, silence mid-answer, model load).
    package var timeouts: ModelTimeouts

    package init(
        provider: String, model: String, toolMode: ToolMode = .auto, limits: AgentLimits = AgentLimits(),
        unsafeShell: Bool = false, shellTimeout: Int = 60, shellMaxFileBytes: Int = 1 << 30,
        timeouts: ModelTimeouts = ModelTimeouts()
    ) {
        self.shellMaxFileBytes = shellMaxFileBytes
        self.timeouts = timeouts
        self.provider = provider
        self.model = model
        self.toolMode = toolMode
        self.limits = limits
        self.unsafeShell = unsafeShell
        self.shellTimeout = shellTimeout
    }
}

/// `loop agent`: the built-in worker or reviewer as a backend process under `loop run`.
///
/// It runs like any agent CLI — its own process group, output streamed to the round log,
/// killed on timeout — and writes its report to `LOOP_REPORT_PATH`. Usage goes to the bus's
/// `usage.jsonl`. Exit 0 with a report; non-zero with one line on stderr saying why.
package enum AgentRunner {
    package static func run(_ settings: AgentSettings, environment: [String: String]) async -> Int32 {
        let printer = AgentStdout { text in FileHandle.standardOutput.write(Data(text.utf8)) }
        let out: @Sendable (String) -> Void = { text in printer.write(text) }
        do {
            let context = try AgentContext.fromEnvironment(environment)
            let model = try ModelServer.client(
                provider: settings.provider, environment: environment, timeouts: settings.timeouts
            ) { notice in
                out("\n[loop-agent] model call failed (\(notice.error.localizedDescription)); retrying in \(notice.delay)\n")
            }
            var limits = settings.limits
            let info = try? await model.modelInfo(settings.model)
            if let maximum = info?.contextLength, maximum > 0, maximum < limits.contextLength {
                limits.contextLength = maximum
            }
            limits.replyTokens = min(limits.replyTokens, max(64, limits.contextLength / 4))
            if let left = environment["LOOP_TOKENS_LEFT"].flatMap(Int.init) { limits.maxTokens = min(limits.maxTokens, left) }
            guard let data = FileManager.default.contents(atPath: context.promptFile) else {
                throw AgentFailure("cannot read the prompt file \(context.promptFile)", isPermanent: true)
            }
            let prompt = String(decoding: data, as: UTF8.self)
            let ledger = AgentLedger(context: context, backend: settings.provider, model: settings.model)
            out("[loop-agent] \(context.role.rawValue) · \(settings.provider) \(settings.model) at \(model.endpoint) · context \(limits.contextLength)\n")
            switch context.role {
            case .worker:
                try await runWorker(settings, context: context, model: model, info: info, limits: limits, prompt: prompt, ledger: ledger, out: out)
            case .reviewer:
                let reviewer = ReviewerAgent(model: model, modelName: settings.model, limits: limits, ledger: ledger, output: out)
                let evidence = limits.focusedReview ? FocusedReview.evidence(context: context) : nil
                let review = try await reviewer.review(prompt: prompt, evidence: evidence)
                try ReportWriter.writeReview(review, context: context, model: settings.model)
                out("\n[loop-agent] review written: \(review.decision)\n")
            }
            return 0
        } catch {
            let message = (error as? any LocalizedError)?.errorDescription ?? "\(error)"
            FileHandle.standardError.write(Data("loop-agent: \(message)\n".utf8))
            return (error as? AgentFailure)?.isPermanent == true ? 2 : 1
        }
    }

    private static func runWorker(
        _ settings: AgentSettings, context: AgentContext, model: any ChatModel, info: ModelInfo?, limits: AgentLimits,
        prompt: String, ledger: AgentLedger, out: @escaping @Sendable (String) -> Void
    ) async throws {
        let workspace = try Workspace(root: context.workdir)
        let shell = await ShellSandbox.make(
            workspace: workspace,
            configuration: ShellSandbox.Configuration(
                timeout: .seconds(settings.shellTimeout), allowsUnsafeShell: settings.unsafeShell,
                maxFileBytes: settings.shellMaxFileBytes))
        out("[loop-agent] \(shell.availability.message)\n")
        let tools = ToolBox(workspace: workspace, shell: shell, limits: ToolLimits(outputBytes: limits.toolOutputBytes))
        let mode = await ToolModeProbe.resolve(
            settings.toolMode, provider: settings.provider, model: model, modelName: settings.model, info: info,
            cache: "\(context.busDir)/run/model-capabilities.json", ledger: ledger)
        out("[loop-agent] tool mode: \(mode.rawValue)\n")
        let worker = WorkerAgent(
            model: model, modelName: settings.model, tools: tools, mode: mode, limits: limits, context: context,
            brief: TaskBrief.load(context: context), ledger: ledger, output: out)
        let outcome = try await worker.run(task: prompt)
        try await ReportWriter.writeWork(outcome, context: context, model: settings.model)
        out("\n[loop-agent] work report written (\(outcome.finished ? "finished" : "stopped"), \(outcome.steps) steps, \(outcome.tokensUsed) tokens)\n")
    }
}
