import Foundation

/// The git operations the PM needs, run with `git -C <directory>`.
///
/// The PM only ever adds commits and creates worktrees and branches: it never runs
/// `reset --hard`, `checkout -- .` or `clean` on anything the user owns.
package struct Git: Sendable {
    /// The folder git runs in (a checkout or a worktree).
    package let directory: String

    package init(directory: String) {
        self.directory = directory
    }

    /// Runs git and returns its result without judging the exit code.
    ///
    /// A git that finds a lock file held (`index.lock`, a ref's `.lock`, `config.lock`) gave up
    /// before changing anything; another git of this repository — a second bus's PM in its own
    /// worktree, the user's editor — holds it for milliseconds. Such a run is retried with a
    /// short backoff (about 3 s in all) before its failure is returned.
    package func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) async throws
        -> CaptureResult
    {
        var env = environment
        env["GIT_TERMINAL_PROMPT"] = "0"
        env["GIT_EDITOR"] = "true"
        env["LC_ALL"] = "C"
        var delay = Duration.milliseconds(50)
        var attempt = 0
        while true {
            let result = try await ProcessRunner.capture(
                ["git", "-C", directory] + arguments, in: directory, environment: env, input: input)
            guard result.exitCode != 0, Self.isLockHeld(result.stderr), attempt < Self.lockRetries else {
                return result
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(800))
            attempt += 1
        }
    }

    /// Retries of a git command that found a lock file held.
    static let lockRetries = 6

    /// True when git's error says another git process holds a lock file of the repository.
    static func isLockHeld(_ stderr: String) -> Bool {
        (stderr.contains(".lock': File exists") || stderr.contains("Unable to create '") && stderr.contains(".lock'"))
            || (stderr.contains("cannot lock ref") && stderr.contains("File exists"))
            || stderr.contains("Another git process seems to be running")
    }

    /// Runs git and returns stdout, throwing `LoopError.git` on a non-zero exit.
    @discardableResult
    package func output(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) async throws
        -> String
    {
        let result = try await run(arguments, input: input, environment: environment)
        guard result.exitCode == 0 else {
            let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw LoopError.git(
                command: arguments.prefix(2).joined(separator: " "),
                message: message.isEmpty ? "exit \(result.exitCode)" : message)
        }
        return result.stdout
    }

    /// `output` with surrounding whitespace removed (for shas and names).
    package func line(_ arguments: [String]) async throws -> String {
        try await output(arguments).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: - Facts

    /// The top folder of the checkout, or nil when `directory` is not in a git repository.
    package func topLevel() async -> String? {
        guard let result = try? await run(["rev-parse", "--show-toplevel"]), result.exitCode == 0 else { return nil }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The commit HEAD points at, or nil in a repository with no commits.
    package func head() async -> String? {
        guard let result = try? await run(["rev-parse", "--verify", "-q", "HEAD^{commit}"]), result.exitCode == 0 else {
            return nil
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The checked-out branch name, or nil on a detached HEAD.
    package func currentBranch() async -> String? {
        guard let result = try? await run(["symbolic-ref", "--short", "-q", "HEAD"]), result.exitCode == 0 else {
            return nil
        }
        let name = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return name.isEmpty ? nil : name
    }

    /// The commit a ref names, or nil when it does not resolve.
    package func resolve(_ ref: String) async -> String? {
        guard let result = try? await run(["rev-parse", "--verify", "-q", "\(ref)^{commit}"]), result.exitCode == 0
        else { return nil }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// True when `ancestor` is reachable from `descendant`.
    package func isAncestor(_ ancestor: String, of descendant: String) async -> Bool {
        (try? await run(["merge-base", "--is-ancestor", ancestor, descendant]))?.exitCode == 0
    }

    /// Changed paths in the work tree (tracked and untracked, ignored files excluded).
    package func changedPaths(excluding excluded: [String] = []) async throws -> [String] {
        try await status(excluding: excluded).map(\.path)
    }

    /// One changed path and whether its change still needs `git add` (or is already staged).
    package struct Change: Sendable, Equatable {
        package var path: String
        /// False when the change is fully staged (nothing in the work tree differs from the index).
        package var needsAdd: Bool
    }

    /// `git status` as changes; a staged rename yields its new and old path.
    package func status(excluding excluded: [String] = []) async throws -> [Change] {
        let pathspecs = excluded.isEmpty ? [] : ["--", "."] + excluded.map { ":(exclude)\($0)" }
        let text = try await output(["status", "--porcelain=v1", "-z", "--untracked-files=all"] + pathspecs)
        var changes: [Change] = []
        var entries = text.split(separator: "\0", omittingEmptySubsequences: true).makeIterator()
        while let entry = entries.next() {
            guard entry.count > 3 else { continue }
            let index = entry[entry.startIndex]
            let worktree = entry[entry.index(after: entry.startIndex)]
            changes.append(Change(path: String(entry.dropFirst(3)), needsAdd: worktree != " "))
            // A rename carries its old path as the next entry: its removal is part of the change.
            if index == "R", let old = entries.next() { changes.append(Change(path: String(old), needsAdd: false)) }
            if index == "C" { _ = entries.next() }
        }
        return changes
    }

    /// Paths that differ between two commits.
    package func changedFiles(from base: String, to head: String) async throws -> [String] {
        guard base != head else { return [] }
        return try await output(["diff", "--name-only", "-z", "--no-renames", base, head])
            .split(separator: "\0").map(String.init)
    }

    /// The diff between two commits.
    package func diff(from base: String, to head: String) async throws -> String {
        guard base != head else { return "" }
        return try await output(["diff", "--no-color", "--no-ext-diff", base, head])
    }

    /// One line per commit between two commits.
    package func commitLog(from base: String, to head: String) async throws -> String {
        guard base != head else { return "" }
        return try await output(["log", "--oneline", "--no-decorate", "\(base)..\(head)"])
    }

    // MARK: - Changes

    /// Commits exactly the given changes (additions, edits, deletions, renames) and nothing else.
    ///
    /// Only these paths go into the commit (`git commit --only`): anything else staged —
    /// a user's staged file, a secret an agent ran `git add` on — stays as it was. Hooks are
    /// skipped (`--no-verify`): this is the PM's bookkeeping commit, and the task's own checks
    /// run as `verify` commands. Returns the new commit, or nil when the paths hold no change.
    package func commit(_ changes: [Change], message: String) async throws -> String? {
        guard !changes.isEmpty else { return nil }
        var environment = try await identity()
        environment["GIT_LITERAL_PATHSPECS"] = "1"
        // Fully staged changes (a `git rm`/`git mv` the agent made) need no add; adding a path
        // that exists neither in the work tree nor in the index would fail.
        let toAdd = changes.filter(\.needsAdd).map(\.path)
        if !toAdd.isEmpty {
            try await output(
                ["add", "-A", "--pathspec-from-file=-", "--pathspec-file-nul"], input: toAdd.joined(separator: "\0"),
                environment: environment)
        }
        let paths = changes.map(\.path)
        // `git diff` takes no --pathspec-from-file: list what is staged and intersect.
        let staged = Set(
            try await output(["diff", "--cached", "--name-only", "-z", "--no-renames"])
                .split(separator: "\0").map(String.init))
        guard !staged.isDisjoint(with: paths) else { return nil }
        try await output(
            ["commit", "--no-verify", "-q", "--only", "-m", message, "--pathspec-from-file=-", "--pathspec-file-nul"],
            input: paths.joined(separator: "\0"), environment: environment)
        return try await line(["rev-parse", "HEAD"])
    }

    /// Content hashes of work-tree files (`-` for a path that does not exist), to tell later
    /// whether a file is still exactly what a command left.
    package func hashes(of paths: [String]) async throws -> [String: String] {
        guard !paths.isEmpty else { return [:] }
        let present = paths.filter { FileManager.default.fileExists(atPath: "\(directory)/\($0)") }
        var result = Dictionary(uniqueKeysWithValues: paths.map { ($0, "-") })
        guard !present.isEmpty else { return result }
        let lines = try await output(["hash-object", "--no-filters", "--stdin-paths"], input: present.joined(separator: "\n") + "\n")
            .split(separator: "\n").map(String.init)
        for (path, hash) in zip(present, lines) { result[path] = hash }
        return result
    }

    /// Commits the given paths (each added as needed).
    package func commit(paths: [String], message: String) async throws -> String? {
        try await commit(paths.map { Change(path: $0, needsAdd: true) }, message: message)
    }

    /// Author/committer variables when the repository has no identity configured, so the
    /// PM's commit never fails on a fresh machine; the user's identity wins when set.
    /// Asked once per process and folder (a round subprocess commits at most a few times).
    private func identity() async throws -> [String: String] {
        if let known = Self.identities.value[directory] { return known }
        let email = try await run(["config", "user.email"])
        var found: [String: String] = [:]
        if email.exitCode != 0 || email.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            found = [
                "GIT_AUTHOR_NAME": "loop", "GIT_AUTHOR_EMAIL": "loop@localhost",
                "GIT_COMMITTER_NAME": "loop", "GIT_COMMITTER_EMAIL": "loop@localhost",
            ]
        }
        Self.identities.withLock { $0[directory] = found }
        return found
    }

    private static let identities = Locked<[String: [String: String]]>([:])
}
