import Foundation
import LoopCore
import Testing

@testable import LoopBackends

/// What preflight reports before a run starts, one line per problem naming the fix.
@Suite struct PreflightTests {
    @Test("an unknown backend names the known ones, configured included")
    func unknownBackend() {
        let dispatcher = BackendDispatcher(configured: ["my-agent": makeConfig(command: ["true"])])
        let problems = dispatcher.preflight(backend: "nope", role: .worker)
        #expect(
            problems == [
                "Unknown backend 'nope'. Known backends: aider, claude, codex, gemini, mini, my-agent, ollama, openai, opencode. "
                    + "Pick one of them, or define 'nope' under backends: in .loop/config.yaml with a command."
            ])
    }

    @Test("a built-in missing from PATH gets its install command")
    func missingBuiltin() throws {
        let empty = try TempFolder()
        defer { empty.cleanUp() }
        let dispatcher = BackendDispatcher(configured: ["codex": makeConfig(env: ["PATH": empty.path])])
        #expect(
            dispatcher.preflight(backend: "codex", role: .worker) == [
                "codex is not on PATH. Install it: npm install -g @openai/codex "
                    + "(or set backends.codex.program in .loop/config.yaml)"
            ])
    }

    @Test("a configured program name or path that is missing names the setting to fix")
    func missingConfiguredProgram() throws {
        let folder = try TempFolder()
        defer { folder.cleanUp() }
        let notExecutable = "\(folder.path)/codex"
        try "#!/bin/sh\n".write(toFile: notExecutable, atomically: true, encoding: .utf8)
        let dispatcher = BackendDispatcher(configured: [
            "codex": makeConfig(program: notExecutable),
            "claude": makeConfig(program: "claude-nightly-\(UUID().uuidString)"),
            "mine": makeConfig(
                command: ["my-agent-\(UUID().uuidString)", "{prompt_file}"], installHint: "pip install my-agent"),
        ])
        let codex = dispatcher.preflight(backend: "codex", role: .worker)
        #expect(codex.count == 1)
        #expect(
            codex.first?.hasPrefix("\(notExecutable) (backends.codex.program) does not exist or is not executable.")
                == true)
        let claude = dispatcher.preflight(backend: "claude", role: .worker)
        #expect(
            claude.first?.contains(
                "(backends.claude.program) is not on PATH. Install it: npm install -g @anthropic-ai/claude-code")
                == true)
        let mine = dispatcher.preflight(backend: "mine", role: .worker)
        #expect(
            mine.first?.hasSuffix("(the first word of backends.mine.command) is not on PATH. pip install my-agent")
                == true)
    }

    @Test("an installed program, by absolute path or on the configured PATH, passes")
    func installedProgram() throws {
        let folder = try TempFolder()
        defer { folder.cleanUp() }
        let script = try folder.script("gemini", "#!/bin/sh\nexit 0\n")
        let byPath = BackendDispatcher(configured: ["gemini": makeConfig(program: script)])
        #expect(byPath.preflight(backend: "gemini", role: .reviewer).isEmpty)
        let onPath = BackendDispatcher(configured: ["gemini": makeConfig(env: ["PATH": "/nonexistent:\(folder.path)"])])
        #expect(onPath.preflight(backend: "gemini", role: .worker).isEmpty)
        #expect(ExecutableLocator.locate("gemini", searchPath: "/nonexistent:\(folder.path)") == script)
        #expect(ExecutableLocator.locate(folder.path, searchPath: nil) == nil)  // a folder is not a program
    }

    @Test("an invalid rate_limit_pattern is reported with the setting's name")
    func badRegex() {
        let dispatcher = BackendDispatcher(configured: [
            "mine": makeConfig(command: ["/bin/sh", "-c", "true"], rateLimitPattern: "quota (exceeded")
        ])
        let problems = dispatcher.preflight(backend: "mine", role: .worker)
        #expect(problems.count == 1)
        #expect(
            problems.first
                == "backends.mine.rate_limit_pattern is not a valid regular expression (expected ')'). Fix it in .loop/config.yaml."
        )
    }

    @Test("an empty command, and an entry that is neither built-in nor command, are reported")
    func emptyCommand() {
        let dispatcher = BackendDispatcher(configured: [
            "empty": makeConfig(command: []), "blank": makeConfig(command: ["  "]), "vague": makeConfig(model: "m"),
        ])
        #expect(
            dispatcher.preflight(backend: "empty", role: .worker).first?.hasPrefix("backends.empty.command is empty.")
                == true)
        #expect(
            dispatcher.preflight(backend: "blank", role: .worker).first?.hasPrefix("backends.blank.command is empty.")
                == true)
        let vague = dispatcher.preflight(backend: "vague", role: .worker)
        #expect(vague.count == 1)
        #expect(vague.first?.contains("has no command, and vague is not a built-in backend") == true)
    }

    @Test("a backend that writes no report cannot review")
    func reviewerNeedsReports() throws {
        let folder = try TempFolder()
        defer { folder.cleanUp() }
        let aider = try folder.script("aider", "#!/bin/sh\n")
        let dispatcher = BackendDispatcher(configured: ["aider": makeConfig(program: aider)])
        #expect(dispatcher.preflight(backend: "aider", role: .worker).isEmpty)
        let problems = dispatcher.preflight(backend: "aider", role: .reviewer)
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("aider cannot review: it writes no report file") == true)
    }

    @Test("settings that only apply to command backends are flagged on a built-in")
    func commandOnlySettings() {
        let dispatcher = BackendDispatcher(configured: [
            "codex": makeConfig(promptVia: "arg", env: ["PATH": "/bin:/usr/bin"])
        ])
        let problems = dispatcher.preflight(backend: "codex", role: .worker)
        #expect(
            problems.contains(
                "backends.codex.prompt_via only applies to command backends; remove it from .loop/config.yaml."))
    }
}
