import LoopCore

/// The environment a worker's shell command gets: a small allow-list, never a secret.
///
/// The worker is driven by a model we do not trust with credentials, so nothing is
/// inherited by default. Only `PATH` and `LANG` are taken from the host (tools must be
/// found; messages stay UTF-8); the rest are fixed values that keep commands
/// non-interactive (`TERM=dumb`, pagers off, git never prompts or takes optional locks).
package enum ShellEnvironment {
    /// The `PATH` used when the host has none.
    package static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// The variables for a command.
    /// - Parameters:
    ///   - host: the PM's environment (only `PATH` and `LANG` are read from it).
    ///   - home: the `HOME` to set (a scratch folder, so tool caches do not land in the project).
    ///   - extra: variables the configuration adds; secret-looking names are dropped anyway.
    package static func make(host: [String: String], home: String, extra: [String: String] = [:]) -> [String: String] {
        var values: [String: String] = [
            "PATH": host["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultPath,
            "HOME": home,
            "LANG": host["LANG"].flatMap { $0.isEmpty ? nil : $0 } ?? "C.UTF-8",
            "TERM": "dumb",
            "PAGER": "cat",
            "GIT_PAGER": "cat",
            "MANPAGER": "cat",
            "NO_COLOR": "1",
            "TMPDIR": "/tmp",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_OPTIONAL_LOCKS": "0",
        ]
        for (name, value) in extra where !isSecretName(name) {
            values[name] = value
        }
        return values
    }

    /// True for names that usually hold credentials (`OPENAI_API_KEY`, `GITHUB_TOKEN`, `*_SECRET`,
    /// `*_PASSWORD`, ...); one list for the shell and verify (`SecretEnvironment`).
    package static func isSecretName(_ name: String) -> Bool {
        SecretEnvironment.isSecretName(name)
    }
}
