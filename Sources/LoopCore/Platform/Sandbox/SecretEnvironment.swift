/// Which environment variables hold credentials, so sandboxed commands never get them.
///
/// Model-written code runs in the agent's shell and in verify commands; neither may read the
/// PM's API keys or cloud credentials and send them anywhere (or print them into a log a
/// reviewer sees).
package enum SecretEnvironment {
    /// True for names that usually hold credentials: `*_KEY`, `*_TOKEN`, `*_SECRET`,
    /// `*PASSWORD*`, `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GITHUB_TOKEN`, `AWS_*` credentials, ...
    package static func isSecretName(_ name: String) -> Bool {
        let upper = name.uppercased()
        let exact: Set<String> = [
            "TOKEN", "KEY", "SECRET", "PASSWORD", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GITHUB_TOKEN", "GH_TOKEN",
            "SSH_AUTH_SOCK", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
            "GOOGLE_APPLICATION_CREDENTIALS", "NETRC",
        ]
        if exact.contains(upper) { return true }
        let suffixes = [
            "_TOKEN", "_KEY", "_SECRET", "_SECRETS", "_PASSWORD", "_PASSWD", "_CREDENTIALS", "_API_KEY", "_APIKEY",
            "_ACCESS_KEY_ID", "_PAT",
        ]
        if suffixes.contains(where: { upper.hasSuffix($0) }) { return true }
        return upper.contains("API_KEY") || upper.contains("PASSWORD") || upper.contains("PASSWD")
            || upper.contains("SECRET")
    }

    /// `host` without the variables `isSecretName` flags.
    package static func scrubbed(_ host: [String: String]) -> [String: String] {
        host.filter { !isSecretName($0.key) }
    }
}
