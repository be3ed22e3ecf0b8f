import Foundation

/// The git steps of lanes, all on branches and worktrees the run made: a lane's worktree
/// and branch from the task branch, the PM's commit of what a lane worker left, and the
/// merge of a lane branch into the task branch in the task worktree. Nothing here touches
/// the user's checkout or resets anything.
struct LaneGit: Sendable {
    /// The task worktree, on the task branch.
    let taskWorkdir: String

    var taskGit: Git { Git(directory: taskWorkdir) }

    /// Makes (or finds again, on resume) the lane's worktree on its branch at `tip`.
    /// Returns the lane's base commit.
    func prepare(_ lane: LaneRecord, from tip: String) async throws -> String {
        let lanesGit = Git(directory: lane.worktree)
        if Filesystem.exists(lane.worktree + "/.git"), let head = await lanesGit.head(),
            await lanesGit.currentBranch() == lane.branch
        {
            return lane.baseSHA ?? head
        }
        // A registration left by a worktree folder someone removed would block the add.
        _ = try await taskGit.run(["worktree", "prune"])
        let added = try await taskGit.run(["worktree", "add", "-q", "-B", lane.branch, lane.worktree, tip])
        guard added.exitCode == 0 else {
            throw LoopError.roundFailed(
                "cannot make the worktree of lane \(lane.laneID) at \(lane.worktree): \(added.stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
        return tip
    }

    /// Commits what the lane's worker left uncommitted (never secrets); returns the lane
    /// branch's head and the files that look like secrets and were left out.
    func commitLeftovers(_ lane: LaneRecord, taskID: String, round: Int, runID: String) async throws
        -> (head: String, secrets: [String])
    {
        let git = Git(directory: lane.worktree)
        if await git.currentBranch() != lane.branch, let head = await git.head(),
            let tip = await git.resolve("refs/heads/\(lane.branch)"), await git.isAncestor(tip, of: head)
        {
            // The worker moved off its branch onto a descendant: keep its work on the branch.
            try await git.output(["checkout", "-q", "-B", lane.branch, head])
        }
        let changes = try await git.status()
        let secrets = changes.map(\.path).filter { SecretFilter.isSecret(path: $0, workdir: lane.worktree) }
        let message = """
            loop: \(taskID) round \(round) lane \(lane.laneID) worker changes

            Committed by the loop PM from what the lane worker left uncommitted (run \(runID)).
            """
        _ = try await git.commit(changes.filter { !secrets.contains($0.path) }, message: message)
        guard let head = await git.resolve("refs/heads/\(lane.branch)") else {
            throw LoopError.roundFailed("the branch \(lane.branch) of lane \(lane.laneID) is gone")
        }
        return (head, secrets)
    }

    enum MergeOutcome: Sendable, Equatable {
        case merged(String)
        case conflict([String])
    }

    /// Merges the lane branch into the task branch (`--no-ff`); a conflict is aborted, so the
    /// task branch stays as it was, and its files are returned.
    func merge(_ lane: LaneRecord, round: Int) async throws -> MergeOutcome {
        let git = taskGit
        // A merge a killed PM left half done is aborted first: it is redone from the start.
        if await git.resolve("MERGE_HEAD") != nil { _ = try await git.run(["merge", "--abort"]) }
        let recorded = lane.headSHA
        let branchHead = await git.resolve("refs/heads/\(lane.branch)")
        guard let laneHead = recorded ?? branchHead, let taskHead = await git.head()
        else { throw LoopError.roundFailed("cannot read the heads to merge lane \(lane.laneID)") }
        // Already merged (the PM was killed after the merge, before saving state).
        if await git.isAncestor(laneHead, of: taskHead) { return .merged(taskHead) }
        let result = try await git.run(
            [
                "merge", "--no-ff", "--no-verify", "-q", "-m", "loop: merge lane \(lane.laneID) (round \(round))",
                laneHead,
            ],
            environment: try await identity())
        if result.exitCode == 0, let merged = await git.head() { return .merged(merged) }
        let conflicted =
            (try? await git.output(["diff", "--name-only", "--diff-filter=U", "-z"]))?
            .split(separator: "\0").map(String.init) ?? []
        _ = try await git.run(["merge", "--abort"])
        if conflicted.isEmpty {
            throw LoopError.roundFailed(
                "merging lane \(lane.laneID) into the task branch failed: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
        return .conflict(conflicted.sorted())
    }

    /// Removes a lane's worktree; its branch too when the task branch holds its work.
    func remove(_ lane: LaneRecord, deleteBranch: Bool) async {
        _ = try? await taskGit.run(["worktree", "remove", "--force", lane.worktree])
        if deleteBranch { _ = try? await taskGit.run(["branch", "-q", "-D", lane.branch]) }
    }

    /// Author and committer for the merge commit when the repository has none configured.
    private func identity() async throws -> [String: String] {
        let email = try await taskGit.run(["config", "user.email"])
        guard email.exitCode != 0 || email.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return [:]
        }
        return [
            "GIT_AUTHOR_NAME": "loop", "GIT_AUTHOR_EMAIL": "loop@localhost", "GIT_COMMITTER_NAME": "loop",
            "GIT_COMMITTER_EMAIL": "loop@localhost",
        ]
    }
}
