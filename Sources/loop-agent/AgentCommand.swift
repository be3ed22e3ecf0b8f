import ArgumentParser
import Foundation
import LoopAgent
import LoopCore
import Logging

/// `loop-agent run` (the default, so `loop-agent --provider …` and `loop agent --provider …`):
/// the built-in worker/reviewer, run by `loop run` as the `ollama` and `openai` backends. Not
/// meant to be run by hand: it reads its task from the `LOOP_*` environment.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Work or review as the built-in agent (the default; reads LOOP_* from loop run).",
        discussion: """
            Tune it through .loop/config.yaml, e.g.
              backends:
                ollama:
                  model: qwen2.5-coder:7b
                  args: ["--max-steps", "40", "--context", "16384", "--tool-mode", "json"]
            """
    )

    @Option(help: "ollama or openai.") var provider: String
    @Option(help: "The model name on the server.") var model: String
    @Option(help: "auto (probe once per model), native (tool calls) or json (schema-constrained actions).")
    var toolMode: String = "auto"
    @Option(help: "Model calls per round.") var maxSteps: Int = 30
    @Option(help: "Tokens per round.") var maxTokens: Int = 200_000
    @Option(help: "Context window to request (num_ctx); clamped to the model's.") var context: Int = 8192
    @Option(help: "Longest reply per step in tokens.") var replyTokens: Int = 1024
    @Option(help: "Bytes of one tool result kept in the conversation.") var toolOutput: Int = 6144
    @Option(help: "Seconds one shell command may run.") var shellTimeout: Int = 60
    @Option(help: "Largest file in MiB a shell command may write; also the size of its private /tmp.")
    var shellMaxFileMb: Int = 1024
    @Option(help: "Seconds to wait for the model server to start answering, or to go on after a pause.")
    var requestTimeout: Int = 300
    @Option(help: "Seconds to wait for the first answer of a dispatch (the server may be loading the model).")
    var loadTimeout: Int = 900
    @Option(help: "Longest reply to an action request in tokens; cuts runaway replies early.")
    var actionReplyTokens: Int = 512
    @Flag(help: "JSON tool mode: offer every tool at every step instead of guiding the model (look, change, test, finish).")
    var unguidedActions = false
    @Flag(help: "Do not run the card's verify commands after each edit (by default an edit that makes them worse is undone, and the turn ends when they all pass).")
    var noEditChecks = false
    @Flag(help: "Do not try sampled one-line fixes before the agent loop (by default, when verify fails, the lines the failure points at are each asked for corrected several times and a fix is kept only when verify gets strictly better; needs the edit checks).")
    var noRepairSampling = false
    @Flag(help: "Reviewer: always use the full review prompt (by default, where verify failed before the change and passes after it, the model is asked one yes/no question over the goal, the verify results and the diff; a failing verify is changes_required without asking).")
    var fullReview = false
    @Option(help: "Model samples per line the repair sampling tries.")
    var repairSamples: Int = 16
    @Option(help: "Model samples per position where the repair sampling asks for a new line (after each line tried, at the top and the end of the best-ranked file); 0: replacements only.")
    var repairInsertSamples: Int = 8
    @Option(help: "Seconds the repair sampling may take, checks included.")
    var repairSeconds: Int = 150
    @Option(help: "Malformed replies in a row that end the worker's turn (the round goes on).")
    var maxMalformed: Int = 3
    @Option(help: "Times the same failing action may repeat before the worker's turn ends (the round goes on).")
    var maxRepeatedFailures: Int = 3
    @Flag(help: "Run shell commands without bubblewrap (blocklist only). Also LOOP_UNSAFE_SHELL=1.") var unsafeShell = false

    func validate() throws {
        guard ["ollama", "openai"].contains(provider) else { throw ValidationError("--provider must be ollama or openai.") }
        guard ToolMode(rawValue: toolMode) != nil else { throw ValidationError("--tool-mode must be auto, native or json.") }
        guard maxSteps >= 1, maxTokens >= 1, context >= 512, replyTokens >= 16, actionReplyTokens >= 16, shellTimeout >= 1, maxMalformed >= 1,
            maxRepeatedFailures >= 1, requestTimeout >= 1, loadTimeout >= 1, shellMaxFileMb >= 1, repairSamples >= 1, repairSeconds >= 1,
            repairInsertSamples >= 0
        else {
            throw ValidationError(
                "--max-steps, --max-tokens, --reply-tokens, --action-reply-tokens, --shell-timeout, --request-timeout, --load-timeout, --shell-max-file-mb, --repair-samples and --repair-seconds must be positive, --repair-insert-samples not negative; --context at least 512.")
        }
        guard shellMaxFileMb <= 1 << 20 else {
            throw ValidationError("--shell-max-file-mb is at most 1048576 (1 TiB).")
        }
    }

    func run() async throws {
        // Progress and retry notices go to stdout as lines of their own, and a failure is one
        // `loop-agent:` line on stderr; library log lines below errors would only repeat them.
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .error
            return handler
        }
        let environment = ProcessInfo.processInfo.environment
        let settings = AgentSettings(
            provider: provider, model: model, toolMode: ToolMode(rawValue: toolMode) ?? .auto,
            limits: AgentLimits(
                maxSteps: maxSteps, maxTokens: maxTokens, contextLength: context, replyTokens: replyTokens,
                toolOutputBytes: toolOutput, maxMalformed: maxMalformed, maxRepeatedFailures: maxRepeatedFailures,
                actionReplyTokens: actionReplyTokens, guidedActions: !unguidedActions, editChecks: !noEditChecks,
                repairSampling: !noRepairSampling, repairSamples: repairSamples, repairSeconds: repairSeconds,
                repairInsertSamples: repairInsertSamples,
                focusedReview: !fullReview),
            unsafeShell: unsafeShell || environment["LOOP_UNSAFE_SHELL"] == "1", shellTimeout: shellTimeout,
            shellMaxFileBytes: shellMaxFileMb << 20,
            timeouts: ModelTimeouts(request: .seconds(requestTimeout), firstRequest: .seconds(loadTimeout)))
        let code = await AgentRunner.run(settings, environment: environment)
        if code != 0 { throw ExitCode(code) }
    }
}
