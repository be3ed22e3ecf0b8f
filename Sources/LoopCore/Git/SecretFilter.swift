/// Decides which changed files the PM must never commit because they look like secrets.
///
/// Agents create `.env` files and keys; `git add -A` would publish them. Such files stay
/// uncommitted and are named in the round's report so a person can decide.
public enum SecretFilter {
    /// True when a repository-relative path looks like a secret (matched on its file name).
    public static func looksLikeSecret(_ path: String) -> Bool {
        let name = (path.split(separator: "/").last.map(String.init) ?? path).lowercased()
        if name == ".env" || name.hasPrefix(".env.") || name.hasSuffix(".env") { return true }
        let exactNames: Set<String> = [
            ".netrc", ".npmrc", ".pypirc", ".pgpass", "credentials.json", ".git-credentials",
        ]
        if exactNames.contains(name) { return true }
        for prefix in ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"] where name.hasPrefix(prefix) { return true }
        for suffix in [".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".kdbx", ".asc", ".gpg"]
        where name.hasSuffix(suffix) {
            return true
        }
        return false
    }

    /// Splits changed paths into those to commit and the secrets to leave alone.
    public static func partition(_ paths: [String]) -> (commit: [String], secrets: [String]) {
        var commit: [String] = []
        var secrets: [String] = []
        for path in paths {
            if looksLikeSecret(path) { secrets.append(path) } else { commit.append(path) }
        }
        return (commit, secrets)
    }
}
