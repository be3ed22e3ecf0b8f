import Foundation

/// Sets up a new run: the run id, the workdir (a task worktree or the checkout) and the base.
struct RunStarter {
    let paths: BusPaths
    let console: Console

    /// A run id that sorts by time and is unique enough to never collide on one bus.
    static func makeRunID() -> String {
        // Whole seconds only: a run id must not contain '.', which separates a dispatch id's parts.
        // `Timestamp`, not `Date.ISO8601FormatStyle`: that one looks up the time zone through ICU
        // (its code and data stayed resident in the PM for the whole run).
        let iso = Timestamp.format(Date()).prefix(19)  // 2026-11-23T15:26:11
        let stamp = iso.filter { $0 != "-" && $0 != ":" }
        let hex = String(UInt32.random(in: 0 ... .max), radix: 16)
        let suffix = String(repeating: "0", count: 8 - hex.count) + hex
        return "run-\(stamp)-\(suffix)"
    }

    /// - Parameter baseRef: the commit a new task worktree starts from (a batch task's
    ///   dependencies' approved work); nil = the checkout's HEAD.
    func start(card: TaskCard, taskPath: String, options: RunOptions, baseRef: String? = nil) async throws -> RunState {
        let repoGit = Git(directory: paths.repository)
        guard let top = await repoGit.topLevel(), let head = await repoGit.head() else {
            throw LoopError.preflight(["\(paths.repository) is not a git repository with at least one commit."])
        }
        let runID = Self.makeRunID()
        var maxRounds = options.maxRounds
        var effective = options
        if let cardRounds = card.maxRounds, !options.maxRoundsExplicit { maxRounds = cardRounds }
        effective.maxRounds = maxRounds
        if options.inPlace {
            let busRelative = paths.root.hasPrefix(top + "/") ? [String(paths.root.dropFirst(top.count + 1))] : []
            let dirty = try await Git(directory: top).changedPaths(excluding: busRelative)
            if !dirty.isEmpty, !options.allowDirty { throw LoopError.dirtyTree(paths: dirty) }
            let branch = await repoGit.currentBranch() ?? "HEAD"
            var state = RunState(
                taskID: card.taskID, runID: runID, maxRounds: maxRounds, branch: branch, mode: "in_place", workdir: top,
                baseSHA: head, taskPath: taskPath, options: effective)
            if !dirty.isEmpty {
                state.dirtyAtStart = dirty
                console.warn(
                    "working in a dirty tree (--allow-dirty); the PM will not commit: \(dirty.prefix(5).joined(separator: ", "))"
                )
            }
            state.headSHA = head
            return state
        }
        let (workdir, branch, base) = try await prepareWorktree(
            task: card.taskID, userHead: baseRef ?? head, repository: top)
        var state = RunState(
            taskID: card.taskID, runID: runID, maxRounds: maxRounds, branch: branch, mode: "worktree", workdir: workdir,
            baseSHA: base, taskPath: taskPath, options: effective)
        state.headSHA = await Git(directory: workdir).head()
        return state
    }

    /// Makes (or reuses) `.loop/worktrees/<task>` on branch `loop/<task>`.
    ///
    /// A branch already merged into the user's HEAD is fast-forwarded to it; a branch with
    /// commits the user does not have is continued, never reset, so no approved work is lost.
    /// Returns the workdir, the branch and the base commit the task's diff is measured from.
    private func prepareWorktree(task: String, userHead: String, repository: String) async throws
        -> (String, String, String)
    {
        let branch = "loop/\(task)"
        let workdir = paths.worktree(task: task)
        let repoGit = Git(directory: repository)
        if Filesystem.exists("\(workdir)/.git") {
            let worktreeGit = Git(directory: workdir)
            let checkedOut = await worktreeGit.currentBranch()
            guard checkedOut == branch else {
                throw LoopError.other(
                    "\(paths.display(workdir)) has \(checkedOut ?? "a detached HEAD") checked out, not \(branch). "
                        + "Check out \(branch) there, or move the folder away.", .configError)
            }
            let leftovers = try await worktreeGit.status()
            let secrets = leftovers.map(\.path).filter { SecretFilter.isSecret(path: $0, workdir: workdir) }
            let commit = leftovers.filter { !secrets.contains($0.path) }
            if let sha = try await worktreeGit.commit(
                commit, message: "loop: \(task) save changes left uncommitted in the task worktree")
            {
                console.info(
                    "saved \(commit.count) uncommitted file\(commit.count == 1 ? "" : "s") left in the task worktree as \(sha.prefix(12))"
                )
            }
            if !secrets.isEmpty {
                console.warn("left uncommitted in the worktree (look like secrets): \(secrets.joined(separator: ", "))")
            }
        } else {
            try Filesystem.createDirectory(paths.worktrees)
            try await addWorktree(workdir, branch: branch, from: userHead, git: repoGit)
        }
        let worktreeGit = Git(directory: workdir)
        guard let tip = await worktreeGit.head() else { throw LoopError.roundFailed("cannot read HEAD of \(workdir)") }
        if tip == userHead { return (workdir, branch, userHead) }
        if await repoGit.isAncestor(tip, of: userHead) {
            try await worktreeGit.output(["merge", "--ff-only", "--quiet", userHead])
            console.info("\(branch) was already merged into your branch; moved it to your HEAD \(userHead.prefix(12))")
            return (workdir, branch, userHead)
        }
        let base = try await repoGit.line(["merge-base", userHead, tip])
        let ahead = try await repoGit.line(["rev-list", "--count", "\(userHead)..\(tip)"])
        console.info(
            "continuing from \(branch), which has \(ahead) commit\(ahead == "1" ? "" : "s") your branch does not (base \(base.prefix(12)))"
        )
        return (workdir, branch, base)
    }

    /// `git worktree add` of the task branch (made from `userHead` when it does not exist yet).
    ///
    /// Two PMs of one repository (two buses) may add their worktrees at the same moment. A
    /// `git worktree prune` run by one of them removes the other's half-made
    /// `.git/worktrees/<name>` (git then fails: "could not open '.git/worktrees/<name>/locked'"),
    /// after the branch was already made. So prune runs only when git says a worktree is
    /// registered but missing, and a failed add is retried with the branch as it now is.
    private func addWorktree(_ workdir: String, branch: String, from userHead: String, git repoGit: Git) async throws {
        var attempt = 0
        while true {
            let exists = await repoGit.resolve("refs/heads/\(branch)") != nil
            let arguments =
                exists
                ? ["worktree", "add", "--quiet", workdir, branch]
                : ["worktree", "add", "--quiet", "-b", branch, workdir, userHead]
            let result = try await repoGit.run(arguments)
            if result.exitCode == 0 { return }
            attempt += 1
            let message = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            if message.contains("already registered") { _ = try? await repoGit.run(["worktree", "prune"]) }
            guard attempt < 4, !Filesystem.exists(workdir) else {
                throw LoopError.git(
                    command: "worktree add", message: message.isEmpty ? "exit \(result.exitCode)" : message)
            }
            try await Task.sleep(for: .milliseconds(100 * attempt))
        }
    }
}
