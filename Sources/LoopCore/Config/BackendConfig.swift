import Foundation

/// One entry under `backends:` in `.loop/config.yaml`.
///
/// With `command` it defines a user backend (any program); without it, it tunes a built-in
/// one (`model`, `args`, `program`, `env`).
package struct BackendConfig: Codable, Sendable, Equatable {
    /// argv template with `{placeholders}`; makes this a `command` backend.
    package var command: [String]?
    /// Executable to run instead of the built-in's default name (a path or a name on PATH).
    package var program: String?
    /// Extra arguments appended to a built-in's command line.
    package var args: [String]?
    /// Default model for this backend.
    package var model: String?
    /// How a `command` backend gets the prompt: `stdin` (default unless the template uses
    /// `{prompt}`/`{prompt_file}`), `file` or `arg`.
    package var promptVia: String?
    /// Regex matched against output lines to detect a usage/rate limit.
    package var rateLimitPattern: String?
    /// Whether the backend writes its own report (default true for `command` backends).
    package var writesReport: Bool?
    /// Extra environment variables for the agent.
    package var env: [String: String]?
    /// What to tell a user whose machine lacks the program.
    package var installHint: String?
    /// Output format parser to use for a `command` backend: `text` (default) or a built-in name.
    package var parser: String?
    /// Run this backend inside bubblewrap (as `--agent-sandbox` does for every external CLI).
    package var sandbox: Bool?

    enum CodingKeys: String, CodingKey {
        case command, program, args, model, env, parser, sandbox
        case promptVia = "prompt_via"
        case rateLimitPattern = "rate_limit_pattern"
        case writesReport = "writes_report"
        case installHint = "install_hint"
    }

    package init(command: [String]? = nil) {
        self.command = command
    }
}
