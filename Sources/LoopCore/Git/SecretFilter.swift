import Foundation

/// Decides which changed files the PM must never commit because they look like secrets.
///
/// Agents create `.env` files and keys; `git add -A` would publish them. Such files stay
/// uncommitted and are named in the round's report so a person can decide. A file is a
/// secret by its name (`looksLikeSecret`) or by its text (`secretContent`): a private-key
/// block or a well-known token shape pasted into `config.py` is caught as well.
package enum SecretFilter {
    /// True when a repository-relative path looks like a secret (matched on its file name).
    package static func looksLikeSecret(_ path: String) -> Bool {
        let name = (path.split(separator: "/").last.map(String.init) ?? path).lowercased()
        if name == ".env" || name.hasPrefix(".env.") || name.hasSuffix(".env") || name == ".envrc" { return true }
        let exactNames: Set<String> = [
            ".netrc", ".npmrc", ".pypirc", ".pgpass", "credentials", "credentials.json", ".git-credentials",
        ]
        if exactNames.contains(name) { return true }
        if name.hasPrefix("secrets."), name.count > "secrets.".count { return true }
        for prefix in ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"] where name.hasPrefix(prefix) { return true }
        for suffix in [
            ".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".kdbx", ".asc", ".gpg", ".tfvars", ".tfvars.json",
        ]
        where name.hasSuffix(suffix) {
            return true
        }
        return false
    }

    /// True when the file at `path` (relative to `workdir`) is a secret by name or by content.
    package static func isSecret(path: String, workdir: String) -> Bool {
        looksLikeSecret(path) || contentReason(path: path, workdir: workdir) != nil
    }

    /// What in the file's text looks like a secret (its first `scanBytes`), or nil. Missing,
    /// unreadable and binary files have no text to judge.
    package static func contentReason(path: String, workdir: String) -> String? {
        let full = path.hasPrefix("/") ? path : workdir + "/" + path
        guard PathProbe.kind(full) == .regular, let handle = FileHandle(forReadingAtPath: full) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: scanBytes), !data.isEmpty else { return nil }
        if data.prefix(8192).contains(0) { return nil }
        return secretContent(in: String(decoding: data, as: UTF8.self))
    }

    /// How much of a file is scanned.
    package static let scanBytes = 1 << 20

    /// The kind of secret found in `text`, or nil.
    package static func secretContent(in text: String) -> String? {
        // Every pattern's match holds one of these: a file without any (nearly every file) is
        // never given to ICU, whose regular expressions cost each round a millisecond or more
        // to build before the first file was even read.
        let bytes = Array(text.utf8)
        guard cues.contains(where: { bytes.firstRange(of: $0) != nil }) else { return nil }
        let range = NSRange(text.startIndex..., in: text)
        for (name, pattern, needsDigit) in patterns {
            for match in pattern.matches(in: text, range: range) {
                guard let found = Range(match.range, in: text) else { continue }
                if needsDigit, !text[found].contains(where: \.isNumber) { continue }
                return name
            }
        }
        return nil
    }

    /// Text that every match of `patterns` contains (case as written: the patterns are case-sensitive).
    private static let cues: [[UInt8]] = [
        "PRIVATE KEY", "AKIA", "ASIA", "sk-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox",
    ].map { Array($0.utf8) }

    /// Name, expression and whether a match must contain a digit (so `sk-` in prose is not a key).
    private static let patterns: [(String, NSRegularExpression, Bool)] = [
        ("a private key block", #"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"#, false),
        ("an AWS access key id", #"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])"#, false),
        ("an API key (sk-…)", #"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}"#, true),
        ("a GitHub token", #"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})"#, false),
        ("a Slack token", #"(?<![A-Za-z0-9])xox[abpors]-[A-Za-z0-9-]{10,}"#, false),
    ].compactMap { name, source, needsDigit in
        (try? NSRegularExpression(pattern: source)).map { (name, $0, needsDigit) }
    }

    /// Splits changed paths into those to commit and the secrets to leave alone (by name).
    package static func partition(_ paths: [String]) -> (commit: [String], secrets: [String]) {
        var commit: [String] = []
        var secrets: [String] = []
        for path in paths {
            if looksLikeSecret(path) { secrets.append(path) } else { commit.append(path) }
        }
        return (commit, secrets)
    }
}
