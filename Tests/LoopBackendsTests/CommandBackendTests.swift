import Foundation
import LoopCore
import Testing

@testable import LoopBackends

/// User `command` backends: templates, prompt delivery, the argument size cap.
@Suite struct CommandBackendTests {
    func invocation(_ config: BackendConfig, prompt: String = "Do it.", model: String? = nil) throws -> Invocation {
        let registry = BackendRegistry(configured: ["mine": config])
        let backend = try #require(registry.backend(named: "mine"))
        return try backend.invocation(for: makeRequest(backend: "mine", model: model, prompt: prompt))
    }

    @Test("every placeholder is substituted; unknown braces are left alone")
    func placeholders() throws {
        let run = try invocation(
            makeConfig(command: [
                "my-agent", "--prompt-file", "{prompt_file}", "--cwd", "{workdir}", "--round={round}",
                "{task_id}/{run_id}", "{role}", "{report_path}", "{bus_dir}", "{model}", "{unknown}", "{\"a\": 1}", "{",
            ]), model: "qwen3")
        #expect(
            run.arguments == [
                "my-agent", "--prompt-file", "/tmp/loop-test/prompt.md", "--cwd", "/tmp/loop-test/work", "--round=2",
                "T-7/run-abc123", "worker", "/tmp/loop-test/bus/work_report.json", "/tmp/loop-test/bus", "qwen3",
                "{unknown}", "{\"a\": 1}", "{",
            ])
    }

    @Test("text substituted from the prompt is not expanded again")
    func noDoubleSubstitution() throws {
        let run = try invocation(makeConfig(command: ["agent", "--message", "{prompt}"]), prompt: "cd {workdir} && ls")
        #expect(run.arguments == ["agent", "--message", "cd {workdir} && ls"])
        #expect(run.displayArguments == ["agent", "--message", "<prompt: 18 bytes>"])
    }

    @Test("prompt_via defaults: stdin without placeholders, file with {prompt_file}, arg with {prompt}")
    func promptViaDefaults() throws {
        let plain = try invocation(makeConfig(command: ["agent", "--cwd", "{workdir}"]))
        #expect(plain.stdinFile == "/tmp/loop-test/prompt.md")
        let file = try invocation(makeConfig(command: ["agent", "{prompt_file}"]))
        #expect(file.stdinFile == nil)
        let arg = try invocation(makeConfig(command: ["agent", "-p", "{prompt}"]))
        #expect(arg.stdinFile == nil)
        #expect(PromptDelivery.inferred(from: ["a", "{prompt}", "{prompt_file}"]) == .arg)
    }

    @Test("an explicit prompt_via wins: stdin with {prompt_file}, arg and file appended when the template lacks them")
    func promptViaExplicit() throws {
        let stdin = try invocation(makeConfig(command: ["agent", "--task", "{prompt_file}"], promptVia: "stdin"))
        #expect(stdin.stdinFile == "/tmp/loop-test/prompt.md")
        let arg = try invocation(makeConfig(command: ["agent", "--yes"], promptVia: "arg"), prompt: "Fix it.")
        #expect(arg.arguments == ["agent", "--yes", "Fix it."])
        #expect(arg.displayArguments.last == "<prompt: 7 bytes>")
        #expect(arg.stdinFile == nil)
        let file = try invocation(makeConfig(command: ["agent"], promptVia: "file"))
        #expect(file.arguments == ["agent", "/tmp/loop-test/prompt.md"])
        #expect(file.stdinFile == nil)
    }

    @Test("{prompt} over 100 KiB is refused with a pointer to {prompt_file}")
    func hugePromptRefused() throws {
        let config = makeConfig(command: ["agent", "--message", "{prompt}"])
        let big = String(repeating: "a", count: 100 * 1024 + 1)
        let error = try #require(throws: LoopError.self) { try invocation(config, prompt: big) }
        let message = error.errorDescription ?? ""
        #expect(message.contains("{prompt_file}"))
        #expect(message.contains("128 KiB"))
        #expect(message.contains("backends.mine"))
        // Exactly at the cap still goes through.
        let fits = try invocation(config, prompt: String(repeating: "a", count: 100 * 1024))
        #expect(fits.arguments.count == 3)
    }

    @Test("a command entry replaces a built-in of the same name; text parser and writes_report true by default")
    func commandOverridesBuiltin() throws {
        let registry = BackendRegistry(configured: ["Claude": makeConfig(command: ["claude-wrapper", "{prompt_file}"])])
        let backend = try #require(registry.backend(named: "claude"))
        #expect(backend.kind == .command(["claude-wrapper", "{prompt_file}"]))
        #expect(backend.parser == .text)
        #expect(backend.writesReport)
        let named = try #require(
            BackendRegistry(configured: ["x": makeConfig(command: ["x"], parser: "Claude")]).backend(named: "x"))
        #expect(named.parser == .claude)
    }

    @Test("a broken entry refuses to build an invocation and says why")
    func brokenEntry() throws {
        let config = makeConfig(command: ["agent"], promptVia: "carrier-pigeon", parser: "xml")
        let error = try #require(throws: LoopError.self) { try invocation(config) }
        guard case .preflight(let problems) = error else {
            Issue.record("expected a preflight error, got \(error)")
            return
        }
        #expect(problems.count == 2)
        #expect(problems.contains { $0.contains("prompt_via 'carrier-pigeon'") && $0.contains("stdin, file, arg") })
        #expect(problems.contains { $0.contains("parser 'xml'") && $0.contains("claude") })
    }
}
