import Foundation

/// The git operations the PM needs, run with `git -C <directory>`.
///
/// The PM only ever adds commits and creates worktrees and branches: it never runs
/// `reset --hard`, `checkout -- .` or `clean` on anything the user owns.
public struct Git: Sendable {
    /// The folder git runs in (a checkout or a worktree).
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Runs git and returns its result without judging the exit code.
    public func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) async throws
        -> CaptureResult
    {
        var env = environment
        env["GIT_TERMINAL_PROMPT"] = "0"
        env["GIT_EDITOR"] = "true"
        env["LC_ALL"] = "C"
        return try await ProcessRunner.capture(["git", "-C", directory] + arguments, in: directory, environment: env, input: input)
    }

    /// Runs git and returns stdout, throwing `LoopError.git` on a non-zero exit.
    @discardableResult
    public func output(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) async throws
        -> String
    {
        let result = try await run(arguments, input: input, environment: environment)
        guard result.exitCode == 0 else {
            let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw LoopError.git(command: arguments.prefix(2).joined(separator: " "), message: message.isEmpty ? "exit \(result.exitCode)" : message)
        }
        return result.stdout
    }

    /// `output` with surrounding whitespace removed (for shas and names).
    public func line(_ arguments: [String]) async throws -> String {
        try await output(arguments).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: - Facts

    /// The top folder of the checkout, or nil when `directory` is not in a git repository.
    public func topLevel() async -> String? {
        guard let result = try? await run(["rev-parse", "--show-toplevel"]), result.exitCode == 0 else { return nil }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The commit HEAD points at, or nil in a repository with no commits.
    public func head() async -> String? {
        guard let result = try? await run(["rev-parse", "--verify", "-q", "HEAD^{commit}"]), result.exitCode == 0 else {
            return nil
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The checked-out branch name, or nil on a detached HEAD.
    public func currentBranch() async -> String? {
        guard let result = try? await run(["symbolic-ref", "--short", "-q", "HEAD"]), result.exitCode == 0 else {
            return nil
        }
        let name = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return name.isEmpty ? nil : name
    }

    /// The commit a ref names, or nil when it does not resolve.
    public func resolve(_ ref: String) async -> String? {
        guard let result = try? await run(["rev-parse", "--verify", "-q", "\(ref)^{commit}"]), result.exitCode == 0
        else { return nil }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// True when `ancestor` is reachable from `descendant`.
    public func isAncestor(_ ancestor: String, of descendant: String) async -> Bool {
        (try? await run(["merge-base", "--is-ancestor", ancestor, descendant]))?.exitCode == 0
    }

    /// Changed paths in the work tree (tracked and untracked, ignored files excluded).
    public func changedPaths(excluding excluded: [String] = []) async throws -> [String] {
        let pathspecs = excluded.isEmpty ? [] : ["--", "."] + excluded.map { ":(exclude)\($0)" }
        let text = try await output(["status", "--porcelain=v1", "-z", "--untracked-files=all"] + pathspecs)
        var paths: [String] = []
        var entries = text.split(separator: "\0", omittingEmptySubsequences: true).makeIterator()
        while let entry = entries.next() {
            guard entry.count > 3 else { continue }
            let status = entry.prefix(2)
            paths.append(String(entry.dropFirst(3)))
            // A rename carries its old path as the next entry: its removal is part of the change.
            if status.contains("R"), let old = entries.next() { paths.append(String(old)) }
            if status.contains("C") { _ = entries.next() }
        }
        return paths
    }

    /// Paths that differ between two commits.
    public func changedFiles(from base: String, to head: String) async throws -> [String] {
        guard base != head else { return [] }
        return try await output(["diff", "--name-only", "-z", "--no-renames", base, head])
            .split(separator: "\0").map(String.init)
    }

    /// The diff between two commits.
    public func diff(from base: String, to head: String) async throws -> String {
        guard base != head else { return "" }
        return try await output(["diff", "--no-color", "--no-ext-diff", base, head])
    }

    /// One line per commit between two commits.
    public func commitLog(from base: String, to head: String) async throws -> String {
        guard base != head else { return "" }
        return try await output(["log", "--oneline", "--no-decorate", "\(base)..\(head)"])
    }

    // MARK: - Changes

    /// Commits exactly the given paths (additions, edits and deletions) and nothing else.
    ///
    /// Only these paths go into the commit (`git commit --only`): anything else staged —
    /// a user's staged file, a secret an agent ran `git add` on — stays as it was. Hooks are
    /// skipped (`--no-verify`): this is the PM's bookkeeping commit, and the task's own checks
    /// run as `verify` commands. Returns the new commit, or nil when the paths hold no change.
    public func commit(paths: [String], message: String) async throws -> String? {
        guard !paths.isEmpty else { return nil }
        let list = paths.joined(separator: "\0")
        var environment = try await identity()
        environment["GIT_LITERAL_PATHSPECS"] = "1"
        try await output(["add", "-A", "--pathspec-from-file=-", "--pathspec-file-nul"], input: list, environment: environment)
        // `git diff` takes no --pathspec-from-file: list what is staged and intersect.
        let staged = Set(try await output(["diff", "--cached", "--name-only", "-z", "--no-renames"])
            .split(separator: "\0").map(String.init))
        guard !staged.isDisjoint(with: paths) else { return nil }
        try await output(
            ["commit", "--no-verify", "-q", "--only", "-m", message, "--pathspec-from-file=-", "--pathspec-file-nul"],
            input: list, environment: environment)
        return try await line(["rev-parse", "HEAD"])
    }

    /// Author/committer variables when the repository has no identity configured, so the
    /// PM's commit never fails on a fresh machine; the user's identity wins when set.
    private func identity() async throws -> [String: String] {
        let email = try await run(["config", "user.email"])
        guard email.exitCode != 0 || email.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return [:]
        }
        return [
            "GIT_AUTHOR_NAME": "loop", "GIT_AUTHOR_EMAIL": "loop@localhost",
            "GIT_COMMITTER_NAME": "loop", "GIT_COMMITTER_EMAIL": "loop@localhost",
        ]
    }
}
