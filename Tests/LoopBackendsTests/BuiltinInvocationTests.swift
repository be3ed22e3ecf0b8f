import Foundation
import LoopCore
import Testing

@testable import LoopBackends

/// The command lines of the built-in CLIs.
@Suite struct BuiltinInvocationTests {
    static let folder = "/tmp/loop-test"

    func invocation(_ name: String, model: String? = nil, config: BackendConfig? = nil, prompt: String = "Do it.")
        throws -> Invocation
    {
        let registry = BackendRegistry(configured: config.map { [name: $0] } ?? [:])
        let backend = try #require(registry.backend(named: name))
        return try backend.invocation(for: makeRequest(backend: name, model: model, prompt: prompt))
    }

    @Test("codex: exec --json, bypass flags, -C workdir, -m before the '-' that reads stdin")
    func codex() throws {
        let run = try invocation("codex", model: "gpt-5-codex")
        #expect(
            run.arguments == [
                "codex", "exec", "--json", "--dangerously-bypass-approvals-and-sandbox", "--skip-git-repo-check",
                "-C", "\(Self.folder)/work", "-m", "gpt-5-codex", "-",
            ])
        #expect(run.stdinFile == "\(Self.folder)/prompt.md")
        #expect(try invocation("codex").arguments.contains("-m") == false)
    }

    @Test("claude: -p stream-json --verbose, permissions skipped, --model last, prompt on stdin")
    func claude() throws {
        let run = try invocation("claude", model: "sonnet")
        #expect(
            run.arguments == [
                "claude", "-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions",
                "--model", "sonnet",
            ])
        #expect(run.stdinFile == "\(Self.folder)/prompt.md")
    }

    @Test("opencode: run --format json, -m, then the short instruction as the message")
    func opencode() throws {
        let run = try invocation("opencode", model: "anthropic/claude-sonnet-4-5")
        #expect(
            run.arguments == [
                "opencode", "run", "--format", "json", "-m", "anthropic/claude-sonnet-4-5",
                BuiltinBackend.stdinInstruction,
            ])
        #expect(run.stdinFile == "\(Self.folder)/prompt.md")
    }

    @Test("gemini: json output, --yolo, -m, and -p with a short instruction appended to stdin")
    func gemini() throws {
        let run = try invocation("gemini", model: "gemini-2.5-pro")
        #expect(
            Array(run.arguments.prefix(6)) == ["gemini", "--output-format", "json", "--yolo", "-m", "gemini-2.5-pro"])
        #expect(run.arguments[6] == "-p")
        #expect(run.arguments.count == 8)
        #expect(run.stdinFile == "\(Self.folder)/prompt.md")
    }

    @Test("aider: --message-file with the prompt file, no auto commits, --model last, stdin /dev/null")
    func aider() throws {
        let run = try invocation("aider", model: "ollama_chat/qwen2.5-coder:14b")
        #expect(
            run.arguments == [
                "aider", "--message-file", "\(Self.folder)/prompt.md", "--yes-always", "--no-auto-commits",
                "--no-stream", "--no-pretty", "--no-check-update", "--analytics-disable", "--no-show-model-warnings",
                "--model", "ollama_chat/qwen2.5-coder:14b",
            ])
        #expect(run.stdinFile == nil)
    }

    @Test("mini: -y --exit-immediately, -m, and -t pointing at the prompt file, stdin /dev/null")
    func mini() throws {
        let run = try invocation("mini", model: "ollama_chat/qwen3:8b")
        #expect(
            run.arguments == [
                "mini", "-y", "--exit-immediately", "-m", "ollama_chat/qwen3:8b", "-t",
                "Read the task in \(Self.folder)/prompt.md and carry it out.",
            ])
        #expect(run.stdinFile == nil)
    }

    @Test("no built-in ever puts the prompt text in argv", arguments: BackendRegistry.builtins)
    func promptNeverAnArgument(builtin: BuiltinBackend) throws {
        let prompt = "PROMPT-MARKER " + String(repeating: "diff line\n", count: 20_000)
        let run = try invocation(builtin.name, model: "m", prompt: prompt)
        #expect(!run.arguments.contains { $0.contains("PROMPT-MARKER") })
        #expect(run.arguments.allSatisfy { $0.utf8.count < 1_024 })
    }

    @Test("config tunes a built-in: program, args before the trailing '-', default model, role model wins")
    func configuredBuiltin() throws {
        let config = makeConfig(
            program: "/opt/codex/bin/codex", args: ["--config", "model_reasoning_effort=high"], model: "o4-mini")
        let run = try invocation("codex", config: config)
        #expect(run.arguments.first == "/opt/codex/bin/codex")
        #expect(Array(run.arguments.suffix(5)) == ["-m", "o4-mini", "--config", "model_reasoning_effort=high", "-"])
        let overridden = try invocation("codex", model: "gpt-5", config: config)
        #expect(overridden.arguments.contains("gpt-5"))
        #expect(!overridden.arguments.contains("o4-mini"))
    }

    @Test("aider and mini write no report; the CLIs with a report-writing agent do")
    func writesReport() {
        let dispatcher = BackendDispatcher(configured: [:])
        #expect(!dispatcher.writesReport(backend: "aider"))
        #expect(!dispatcher.writesReport(backend: "mini"))
        for name in ["codex", "claude", "opencode", "gemini"] { #expect(dispatcher.writesReport(backend: name)) }
        let tuned = BackendDispatcher(configured: ["aider": makeConfig(writesReport: true)])
        #expect(tuned.writesReport(backend: "aider"))
    }

    @Test("the environment: LOOP_* from the request, pagers off, config env, nested-claude vars removed")
    func environment() throws {
        let config = makeConfig(env: [
            "OLLAMA_HOST": "http://127.0.0.1:11434", "PAGER": "less", "LOOP_RUN_ID": "forged",
        ])
        let run = try invocation("claude", config: config)
        #expect(run.environment["LOOP_RUN_ID"] == "run-abc123")
        #expect(run.environment["LOOP_ROUND"] == "2")
        #expect(run.environment["LOOP_TASK_ID"] == "T-7")
        #expect(run.environment["LOOP_ROLE"] == "worker")
        #expect(run.environment["OLLAMA_HOST"] == "http://127.0.0.1:11434")
        #expect(run.environment["PAGER"] == "less")
        #expect(run.environment["GIT_PAGER"] == "cat")
        #expect(run.environment["GIT_EDITOR"] == "true")
        #expect(run.environment["GIT_TERMINAL_PROMPT"] == "0")
        #expect(Invocation.removedEnvironment == ["CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT"])
    }
}
