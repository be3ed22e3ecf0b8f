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
    ///
    /// Read from the files under `.git` when the layout is a plain one (`GitHeadFile`): the PM
    /// asks once a round, and a git process for it cost a few milliseconds; anything else (or a
    /// `GIT_DIR` in the environment, which git would follow) asks git.
    package func head() async -> String? {
        if Platform.environmentValue("GIT_DIR") == nil, let commit = GitHeadFile.commit(repository: directory) {
            return commit
        }
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
        /// True for a path git does not track yet: only such a path needs a `git add` before
        /// `git commit --only` can take it (a tracked path's edit or removal it takes as it is).
        package var untracked: Bool = false

        package init(path: String, needsAdd: Bool, untracked: Bool = false) {
            self.path = path
            self.needsAdd = needsAdd
            self.untracked = untracked
        }
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
            changes.append(
                Change(path: String(entry.dropFirst(3)), needsAdd: worktree != " ", untracked: index == "?"))
            // A rename carries its old path as the next entry: its removal is part of the change.
            if index == "R", let old = entries.next() { changes.append(Change(path: String(old), needsAdd: false)) }
            if index == "C" { _ = entries.next() }
        }
        return changes
    }

    /// One look at the checkout: HEAD, the checked-out branch and the changed paths, from a
    /// single `git status --porcelain=v2 --branch` (instead of rev-parse, symbolic-ref and
    /// status, one process each).
    package struct Snapshot: Sendable, Equatable {
        /// The commit HEAD points at, or nil in a repository with no commits.
        package var head: String?
        /// The checked-out branch, or nil on a detached HEAD.
        package var branch: String?
        /// Changed paths in the work tree, as `status(excluding:)` gives them.
        package var changes: [Change]
    }

    /// HEAD, branch and changed paths in one git process (tracked and untracked, ignored
    /// files excluded; `excluded` paths left out).
    package func snapshot(excluding excluded: [String] = []) async throws -> Snapshot {
        let pathspecs = excluded.isEmpty ? [] : ["--", "."] + excluded.map { ":(exclude)\($0)" }
        let text = try await output(
            ["status", "--porcelain=v2", "--branch", "--no-ahead-behind", "-z", "--untracked-files=all"] + pathspecs)
        return Self.parseSnapshot(text)
    }

    /// Parses `git status --porcelain=v2 --branch -z` output.
    static func parseSnapshot(_ text: String) -> Snapshot {
        var snapshot = Snapshot(head: nil, branch: nil, changes: [])
        var entries = text.split(separator: "\0", omittingEmptySubsequences: true).makeIterator()
        while let entry = entries.next() {
            let fields = entry.split(separator: " ", omittingEmptySubsequences: false)
            guard let kind = fields.first else { continue }
            switch kind {
            case "#":
                guard fields.count >= 3 else { continue }
                let value = fields.dropFirst(2).joined(separator: " ")
                if fields[1] == "branch.oid", value != "(initial)" { snapshot.head = value }
                if fields[1] == "branch.head", value != "(detached)" { snapshot.branch = value }
            case "?":
                snapshot.changes.append(Change(path: String(entry.dropFirst(2)), needsAdd: true, untracked: true))
            case "1", "2", "u":
                // Fixed fields before the path: 8 for an ordinary entry, 9 for a rename or
                // copy (its score), 10 for an unmerged one. The path may hold spaces.
                let before = kind == "1" ? 8 : kind == "2" ? 9 : 10
                let parts = entry.split(separator: " ", maxSplits: before, omittingEmptySubsequences: false)
                guard parts.count == before + 1, parts[1].count == 2 else { continue }
                let code = parts[1]
                let index = code[code.startIndex]
                let worktree = code[code.index(after: code.startIndex)]
                snapshot.changes.append(Change(path: String(parts[before]), needsAdd: worktree != "."))
                // A rename or copy carries its old path as the next entry; a rename's removal
                // is part of the change, a copy's source is not.
                if kind == "2", let old = entries.next(), index == "R" {
                    snapshot.changes.append(Change(path: String(old), needsAdd: false))
                }
            default:
                continue
            }
        }
        return snapshot
    }

    /// The diff between two commits and the paths it touches, from one git process
    /// (`git diff-tree --raw -p -z -M`): the patch is what `diff(from:to:)` gives, the paths what
    /// `changedFiles(from:to:)` gives (a rename names its old and new path).
    package func diffAndFiles(from base: String, to head: String) async throws -> (diff: String, files: [String]) {
        guard base != head else { return ("", []) }
        return try await diffs(to: head, from: [base])[0]
    }

    /// Walks the raw entries at the start of `git diff --raw -z` output:
    /// `:<modes> <shas> <status>\0<path>\0` (a second path for a rename or copy), ended by an
    /// empty entry. Returns the touched paths (sorted; like `--no-renames`, a rename touches its
    /// old and new path, a copy only the new), what follows the raw part (the patch, unchanged),
    /// and whether every entry was whole.
    static func rawEntries(_ text: Substring) -> (files: [String], rest: Substring, complete: Bool) {
        var files: [String] = []
        var seen = Set<String>()
        var rest = text
        while rest.first == ":" {
            guard let metaEnd = rest.firstIndex(of: "\0") else { return (files.sorted(), rest, false) }
            let status = rest[..<metaEnd].split(separator: " ").last?.first
            rest = rest[rest.index(after: metaEnd)...]
            var paths: [Substring] = []
            for _ in 0..<(status == "R" || status == "C" ? 2 : 1) {
                guard let end = rest.firstIndex(of: "\0") else { return (files.sorted(), rest, false) }
                paths.append(rest[..<end])
                rest = rest[rest.index(after: end)...]
            }
            if status == "C" { paths.removeFirst() }
            for path in paths where seen.insert(String(path)).inserted { files.append(String(path)) }
        }
        if rest.first == "\0" { rest = rest.dropFirst() }
        return (files.sorted(), rest, true)
    }

    /// The diffs from several commits to one `head` (each with the paths it touches, as
    /// `diffAndFiles` gives them) from ONE git process: `git diff-tree --stdin` reads one
    /// `<head> <base>` line per base. A round where the worker committed needs its own files
    /// (round base → head) and the review's diff (run base → head): one process, not two.
    package func diffs(to head: String, from bases: [String]) async throws -> [(diff: String, files: [String])] {
        let input = bases.map { "\(head) \($0)\n" }.joined()
        let text = try await output(
            ["diff-tree", "--stdin", "--always", "-r", "-M", "--no-color", "--no-ext-diff", "--raw", "-p", "-z"],
            input: input)
        guard let sections = Self.splitDiffTree(text[...], head: head, count: bases.count) else {
            throw LoopError.git(command: "diff-tree --stdin", message: "unexpected output for \(bases.count) diffs")
        }
        return sections
    }

    /// Cuts `git diff-tree --stdin --always --raw -p -z` output into one diff per input line.
    /// A section is its `<head>\0` header, the raw entries (`rawEntries`: a path may hold any
    /// byte but NUL), then the patch, which holds no NUL, so the next header is the first
    /// `\n<head>\0` after it. Nil when the output does not have that shape.
    static func splitDiffTree(_ text: Substring, head: String, count: Int) -> [(diff: String, files: [String])]? {
        let header = head + "\0"
        var sections: [(diff: String, files: [String])] = []
        var rest = text
        for _ in 0..<count {
            guard rest.hasPrefix(header) else { return nil }
            rest = rest.dropFirst(header.count)
            let raw = rawEntries(rest)
            guard raw.complete else { return nil }
            let patch = raw.rest
            let end: Substring.Index
            if patch.hasPrefix(header) {
                end = patch.startIndex
            } else if let next = patch.range(of: "\n" + header) {
                end = patch.index(after: next.lowerBound)
            } else {
                end = patch.endIndex
            }
            sections.append((String(patch[..<end]), raw.files))
            rest = patch[end...]
        }
        return rest.isEmpty ? sections : nil
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
    /// run as `verify` commands. Returns the new commit, or nil when the paths hold no change
    /// (git's own "nothing to commit", so no separate `diff --cached` is run first).
    ///
    /// A round pays for as few git processes as possible: `git add` only when a path is new to
    /// git, no automatic `git maintenance` after the commit (the run does it once at its end,
    /// `maintainOnce()`), and the new commit read from git's own summary line (full-length
    /// with `core.abbrev=40`) instead of a `rev-parse HEAD`.
    package func commit(_ changes: [Change], message: String) async throws -> String? {
        guard !changes.isEmpty else { return nil }
        let environment = ["GIT_LITERAL_PATHSPECS": "1"]
        let toAdd = changes.filter(\.untracked).map(\.path)
        if !toAdd.isEmpty {
            try await output(
                ["add", "-A", "--pathspec-from-file=-", "--pathspec-file-nul"], input: toAdd.joined(separator: "\0"),
                environment: environment)
        }
        let paths = changes.map(\.path)
        let commit = Self.quietConfig + [
            "commit", "--no-verify", "--only", "-m", message, "--pathspec-from-file=-", "--pathspec-file-nul",
        ]
        let input = paths.joined(separator: "\0")
        var result = try await run(commit, input: input, environment: environment)
        if result.exitCode != 0 {
            // The paths hold no change against HEAD (e.g. an edit undone): git commits nothing
            // and says so; anything else staged stays as it was (`--only`).
            if Self.isNothingToCommit(result) { return nil }
            // No identity configured on this machine: commit as `loop` rather than fail. Asked
            // only when git refuses, so a round pays no `git config` lookup.
            guard Self.lacksIdentity(result.stderr) else {
                throw LoopError.git(command: "commit --no-verify", message: Self.message(result))
            }
            result = try await run(commit, input: input, environment: environment.merging(Self.fallbackIdentity) { $1 })
            guard result.exitCode == 0 else {
                throw LoopError.git(command: "commit --no-verify", message: Self.message(result))
            }
        }
        if let sha = Self.committedSHA(result.stdout) { return sha }
        return try await line(["rev-parse", "HEAD"])
    }

    /// Settings for the PM's own commits: full-length shas in git's summary line, and no
    /// `git maintenance run --auto` (a process of its own) after every commit.
    static let quietConfig = ["-c", "core.abbrev=40", "-c", "maintenance.auto=false", "-c", "gc.auto=0"]

    /// The commit `git commit` names in its summary line, `[branch 0123…] subject` (also
    /// `[branch (root-commit) 0123…]`); nil when the line is not there.
    static func committedSHA(_ stdout: String) -> String? {
        guard let line = stdout.split(separator: "\n", maxSplits: 1).first, line.first == "[",
            let close = line.firstIndex(of: "]")
        else { return nil }
        let word = line[line.index(after: line.startIndex)..<close].split(separator: " ").last ?? ""
        guard word.count == 40 || word.count == 64, word.allSatisfy(\.isHexDigit) else { return nil }
        return String(word)
    }

    /// `git maintenance run --auto` once: the PM's commits skip the automatic one, so a run
    /// packs loose objects at its end instead of after each round. Failures are ignored.
    package func maintainOnce() async {
        _ = try? await run(["maintenance", "run", "--auto", "--quiet"])
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
        try await commit(paths.map { Change(path: $0, needsAdd: true, untracked: true) }, message: message)
    }

    /// The identity the PM commits with when the repository and the environment name none,
    /// so its commit never fails on a fresh machine; the user's identity wins when set.
    static let fallbackIdentity = [
        "GIT_AUTHOR_NAME": "loop", "GIT_AUTHOR_EMAIL": "loop@localhost",
        "GIT_COMMITTER_NAME": "loop", "GIT_COMMITTER_EMAIL": "loop@localhost",
    ]

    /// True when git refused to commit because no author/committer identity is configured.
    static func lacksIdentity(_ stderr: String) -> Bool {
        stderr.contains("Please tell me who you are") || stderr.contains("unable to auto-detect email address")
            || stderr.contains("empty ident name")
    }

    /// True when `git commit` refused because the given paths hold no change (git says so on
    /// stdout, in the C locale the PM runs it in).
    static func isNothingToCommit(_ result: CaptureResult) -> Bool {
        let text = result.stdout + result.stderr
        return text.contains("nothing to commit") || text.contains("nothing added to commit")
            || text.contains("no changes added to commit")
    }

    /// A failed run's error text for `LoopError.git`.
    static func message(_ result: CaptureResult) -> String {
        let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        return message.isEmpty ? "exit \(result.exitCode)" : message
    }
}
