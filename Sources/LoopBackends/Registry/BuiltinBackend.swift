import Foundation
import LoopCore

/// The agent CLIs `loop` knows how to run without configuration.
///
/// Each entry knows its program, how to install it, its non-interactive command line, how
/// the prompt reaches it and how to read its output. The command lines follow what each
/// CLI documents for headless use (see `Tests/LoopBackendsTests/Fixtures/README.md`).
enum BuiltinBackend: String, CaseIterable, Sendable {
    case codex
    case claude
    case opencode
    case gemini
    case aider
    case mini

    /// The program looked up on PATH unless `backends.<name>.program` says otherwise.
    var defaultProgram: String { rawValue }

    /// The command that installs the CLI.
    var installCommand: String {
        switch self {
        case .codex: "npm install -g @openai/codex"
        case .claude: "npm install -g @anthropic-ai/claude-code"
        case .opencode: "npm install -g opencode-ai"
        case .gemini: "npm install -g @google/gemini-cli"
        case .aider: "python -m pip install aider-install && aider-install"
        case .mini: "pipx install mini-swe-agent"
        }
    }

    var parser: ParserKind {
        switch self {
        case .codex: .codex
        case .claude: .claude
        case .opencode: .opencode
        case .gemini: .gemini
        case .aider: .aider
        case .mini: .text
        }
    }

    /// aider and mini-swe-agent only edit files; the PM writes their work report from git.
    var writesReport: Bool { self != .aider && self != .mini }

    var promptDelivery: PromptDelivery {
        switch self {
        case .codex, .claude, .opencode, .gemini: .stdin
        case .aider, .mini: .file
        }
    }

    /// The short instruction given as an argument to CLIs that also read the full prompt on stdin.
    static let stdinInstruction =
        "Follow the instructions given on stdin. Only finish after writing the report file they ask for."

    /// The arguments after the program name.
    ///
    /// - Parameters:
    ///   - model: the model flag's value, when a model is chosen.
    ///   - extraArgs: `backends.<name>.args`, placed after the options and before any
    ///     trailing prompt argument so positional arguments stay last.
    /// The flag that turns off the CLI's own permission checks, which loop passes so the agent
    /// can work unattended; nil for CLIs that ask nothing or keep their own limits.
    var bypassFlag: String? {
        switch self {
        case .codex: "--dangerously-bypass-approvals-and-sandbox"
        case .claude: "--dangerously-skip-permissions"
        case .gemini: "--yolo"
        case .aider: "--yes-always"
        case .opencode, .mini: nil
        }
    }

    func arguments(model: String?, extraArgs: [String], request: DispatchRequest) -> [String] {
        switch self {
        case .codex:
            return [
                "exec", "--json", "--dangerously-bypass-approvals-and-sandbox", "--skip-git-repo-check",
                "-C", request.workdir,
            ] + Self.flag("-m", model) + extraArgs + ["-"]
        case .claude:
            return ["-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions"]
                + Self.flag("--model", model) + extraArgs
        case .opencode:
            return ["run", "--format", "json"] + Self.flag("-m", model) + extraArgs + [Self.stdinInstruction]
        case .gemini:
            // gemini appends the -p text to what it reads on stdin.
            return ["--output-format", "json", "--yolo"] + Self.flag("-m", model) + extraArgs
                + ["-p", "Follow the instructions above. Only finish after writing the report file they ask for."]
        case .aider:
            return [
                "--message-file", request.promptFile, "--yes-always", "--no-auto-commits", "--no-stream",
                "--no-pretty", "--no-check-update", "--analytics-disable", "--no-show-model-warnings",
            ] + Self.flag("--model", model) + extraArgs
        case .mini:
            return ["-y", "--exit-immediately"] + Self.flag("-m", model) + extraArgs
                + ["-t", "Read the task in \(request.promptFile) and carry it out."]
        }
    }

    private static func flag(_ name: String, _ value: String?) -> [String] {
        guard let value, !value.isEmpty else { return [] }
        return [name, value]
    }
}
