#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore
import Testing

@testable import LoopBackends

/// Real dispatches of small bash scripts playing an agent CLI.
@Suite(.serialized, .timeLimit(.minutes(1))) struct DispatchTests {
    /// A temp folder laid out like a dispatch: prompt file, work folder, bus.
    struct Setup {
        let folder: TempFolder
        var request: DispatchRequest

        init(backend: String, prompt: String = "Do the task.") throws {
            folder = try TempFolder()
            request = makeRequest(backend: backend, prompt: prompt, folder: folder.path)
            try FileManager.default.createDirectory(atPath: request.workdir, withIntermediateDirectories: true)
            try prompt.write(toFile: request.promptFile, atomically: true, encoding: .utf8)
        }
    }

    static let claudeStyleAgent = """
        #!/bin/bash
        stdin_path=$(readlink /proc/$$/fd/0)
        prompt=$(cat)
        printf '{"type":"system","subtype":"init","session_id":"%s"}\\n' "$LOOP_RUN_ID"
        echo "progress on stderr" >&2
        sleep 2
        printf '{"type":"result","subtype":"success","is_error":false,"result":"stdin=%s|stdin_path=%s|role=%s|round=%s|task=%s|report=%s|bus=%s|workdir=%s|pwd=%s|pager=%s|git_editor=%s|claudecode=%s|custom=%s","session_id":"%s","total_cost_usd":0.5,"usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":90}}\\n' \\
          "$prompt" "$stdin_path" "$LOOP_ROLE" "$LOOP_ROUND" "$LOOP_TASK_ID" "$LOOP_REPORT_PATH" "$LOOP_BUS_DIR" "$LOOP_WORKDIR" \\
          "$PWD" "$PAGER" "$GIT_EDITOR" "${CLAUDECODE:-unset}" "$MY_SETTING" "$LOOP_RUN_ID"

        """

    @Test("a command backend gets the prompt file on stdin, LOOP_* env, workdir as cwd; claude parser reads it")
    func claudeStyleCommand() async throws {
        var setup = try Setup(backend: "scripted")
        defer { setup.folder.cleanUp() }
        let script = try setup.folder.script("agent.sh", Self.claudeStyleAgent)
        setup.request.heartbeatPath = "\(setup.folder.path)/bus/heartbeat/worker.json"
        setup.request.heartbeatInterval = 1
        let dispatcher = BackendDispatcher(configured: [
            "scripted": makeConfig(command: [script], env: ["MY_SETTING": "on"], parser: "claude")
        ])
        setenv("CLAUDECODE", "1", 1)
        defer { unsetenv("CLAUDECODE") }

        let result = try await dispatcher.dispatch(setup.request)

        let request = setup.request
        #expect(result.succeeded)
        #expect(result.sessionID == "run-abc123")
        #expect(
            result.finalMessage
                == "stdin=Do the task.|stdin_path=\(request.promptFile)|role=worker|round=2|task=T-7|report=\(request.reportPath)|bus=\(request.busDir)"
                + "|workdir=\(request.workdir)|pwd=\(request.workdir)|pager=cat|git_editor=true|claudecode=unset|custom=on"
        )
        #expect(result.usage == TokenUsage(inputTokens: 100, outputTokens: 5, cachedInputTokens: 90, costUSD: 0.5))
        #expect(result.writesReport)
        #expect(result.errorMessage == nil && result.rateLimit == nil && !result.isPermanentError)
        #expect(result.outputTail.contains("progress on stderr"))

        let log = try String(contentsOfFile: request.logPath, encoding: .utf8)
        #expect(log.hasPrefix("==> "))
        #expect(log.contains("loop dispatch: backend scripted, role worker, round 2, task T-7, run run-abc123"))
        #expect(log.contains("    argv: \(script)\n"))
        #expect(log.contains("    stdin: \(request.promptFile)\n"))
        #expect(log.contains("[stderr] progress on stderr"))

        let heartbeatPath = try #require(request.heartbeatPath)
        let beat = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: heartbeatPath)))
        #expect(beat["role"]?.stringValue == "worker")
        #expect(beat["run_id"]?.stringValue == "run-abc123")
        #expect(beat["source"]?.stringValue == "pm")
        #expect(beat["pid"]?.intValue == Int(getpid()))
        #expect(beat["updated_at"]?.stringValue.flatMap(Timestamp.parse) != nil)
        #expect(beat["last_output_at"]?.stringValue.flatMap(Timestamp.parse) != nil)
        // The heartbeat stops with the dispatch.
        let written = try Data(contentsOf: URL(fileURLWithPath: heartbeatPath))
        try await Task.sleep(for: .milliseconds(1_500))
        #expect(try Data(contentsOf: URL(fileURLWithPath: heartbeatPath)) == written)
    }

    @Test("a line matching rate_limit_pattern is a limit with the reset it names; the exit code is kept")
    func customRateLimit() async throws {
        let setup = try Setup(backend: "limited")
        defer { setup.folder.cleanUp() }
        let script = try setup.folder.script(
            "agent.sh",
            "#!/bin/sh\necho \"stdin=$(readlink /proc/$$/fd/0) task=$1\"\necho 'Error: quota hit for today, resets at 2026-11-24T00:00:00Z' >&2\nexit 3\n"
        )
        let dispatcher = BackendDispatcher(configured: [
            "limited": makeConfig(command: [script, "{prompt_file}"], rateLimitPattern: "quota hit")
        ])
        let result = try await dispatcher.dispatch(setup.request)
        #expect(result.exitCode == 3)
        #expect(result.rateLimit?.resetAt == Timestamp.parse("2026-11-24T00:00:00Z"))
        #expect(result.errorMessage == "Error: quota hit for today, resets at 2026-11-24T00:00:00Z")
        #expect(!result.isPermanentError)
        #expect(result.finalMessage == "stdin=/dev/null task=\(setup.request.promptFile)")
    }

    @Test("limit and permanent-error words from an agent that exits 0 are not believed")
    func cleanExitIgnoresDiagnostics() async throws {
        let setup = try Setup(backend: "chatty")
        defer { setup.folder.cleanUp() }
        let script = try setup.folder.script(
            "agent.sh",
            "#!/bin/sh\necho 'got 429 Too Many Requests, retrying' >&2\necho 'error: unknown option --x' >&2\necho done\n"
        )
        let dispatcher = BackendDispatcher(configured: ["chatty": makeConfig(command: [script])])
        let result = try await dispatcher.dispatch(setup.request)
        #expect(result.succeeded)
        #expect(result.rateLimit == nil)
        #expect(!result.isPermanentError)
        #expect(result.errorMessage == nil)
    }

    @Test("the same words from an agent that fails are a limit")
    func failedExitKeepsDiagnostics() async throws {
        let setup = try Setup(backend: "chatty")
        defer { setup.folder.cleanUp() }
        let script = try setup.folder.script(
            "agent.sh", "#!/bin/sh\necho 'HTTP 429 Too Many Requests; Retry-After: 30' >&2\nexit 1\n")
        let dispatcher = BackendDispatcher(configured: ["chatty": makeConfig(command: [script])])
        let before = Date()
        let result = try await dispatcher.dispatch(setup.request)
        #expect(result.exitCode == 1)
        let reset = try #require(result.rateLimit?.resetAt)
        #expect(reset >= before.addingTimeInterval(30) && reset <= Date().addingTimeInterval(30))
    }

    @Test("the request's timeout reaches the runner")
    func timeout() async throws {
        var setup = try Setup(backend: "sleepy")
        defer { setup.folder.cleanUp() }
        setup.request.timeout = 1
        let script = try setup.folder.script("agent.sh", "#!/bin/sh\nsleep 30\n")
        let dispatcher = BackendDispatcher(configured: ["sleepy": makeConfig(command: [script])])
        let result = try await dispatcher.dispatch(setup.request)
        #expect(result.end == .timedOut)
        #expect(result.duration < 20)
    }

    @Test("a program that is not installed throws the install hint before anything is written")
    func missingProgram() async throws {
        let setup = try Setup(backend: "codex")
        defer { setup.folder.cleanUp() }
        let dispatcher = BackendDispatcher(configured: ["codex": makeConfig(env: ["PATH": setup.folder.path])])
        let error = try await #require(throws: LoopError.self) { try await dispatcher.dispatch(setup.request) }
        #expect(
            error.errorDescription?.contains("codex is not on PATH. Install it: npm install -g @openai/codex") == true)
        #expect(!FileManager.default.fileExists(atPath: setup.request.logPath))
    }

    @Test("an unknown backend throws the preflight line")
    func unknownBackend() async throws {
        let setup = try Setup(backend: "nope")
        defer { setup.folder.cleanUp() }
        let error = try await #require(throws: LoopError.self) {
            try await BackendDispatcher(configured: [:]).dispatch(setup.request)
        }
        #expect(error.errorDescription?.contains("Unknown backend 'nope'") == true)
    }

    @Test("{prompt} over 100 KiB is refused before spawning")
    func hugePromptArgument() async throws {
        let setup = try Setup(backend: "argy", prompt: String(repeating: "x", count: 200 * 1024))
        defer { setup.folder.cleanUp() }
        let marker = "\(setup.folder.path)/ran"
        let dispatcher = BackendDispatcher(configured: [
            "argy": makeConfig(command: ["/bin/sh", "-c", "touch \(marker)", "sh", "{prompt}"])
        ])
        await #expect(throws: LoopError.self) { try await dispatcher.dispatch(setup.request) }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
