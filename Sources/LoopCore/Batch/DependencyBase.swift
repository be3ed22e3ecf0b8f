import Foundation

/// The commit a dependent task starts from: the approved work of the tasks it depends on, so
/// its worker sees that work and its diff (and review, and scope check) holds only its own
/// change.
///
/// One dependency: its approved commit. Several: a merge commit of them made with
/// `git merge-tree --write-tree` and `git commit-tree`, which touch no checkout and no branch.
/// A dependency already in the user's HEAD adds nothing.
package struct DependencyBase: Sendable {
    /// The user's repository.
    package let repository: String

    package init(repository: String) {
        self.repository = repository
    }

    /// The base commit, nil when the task starts from the user's HEAD as usual.
    /// - Throws: `LoopError.git` when the dependencies' changes conflict with each other.
    package func commit(for task: String, approvedHeads: [String]) async throws -> String? {
        let git = Git(directory: repository)
        guard let head = await git.head() else { return nil }
        var heads: [String] = []
        for sha in approvedHeads where !heads.contains(sha) {
            if await git.isAncestor(sha, of: head) { continue }
            heads.append(sha)
        }
        // A head another one already contains adds nothing either.
        var needed: [String] = []
        for sha in heads {
            var covered = false
            for other in heads where other != sha {
                if await git.isAncestor(sha, of: other) { covered = true }
            }
            if !covered { needed.append(sha) }
        }
        guard var base = needed.first else { return nil }
        for next in needed.dropFirst() {
            let merged = try await git.run(["merge-tree", "--write-tree", "--name-only", base, next])
            let lines = merged.stdout.split(separator: "\n").map(String.init)
            guard merged.exitCode == 0, let tree = lines.first else {
                let files = lines.dropFirst().filter { !$0.isEmpty }.prefix(5).joined(separator: ", ")
                throw LoopError.git(
                    command: "merge-tree",
                    message:
                        "the approved work of \(task)'s dependencies conflicts (\(files.isEmpty ? "exit \(merged.exitCode)" : files)); merge them by hand, then run \(task) again"
                )
            }
            base = try await git.output(
                [
                    "commit-tree", tree, "-p", base, "-p", next, "-m",
                    "loop: base of \(task) (its dependencies' approved work)",
                ],
                environment: await identity(git)
            ).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return base
    }

    /// loop's fallback identity when the repository has none, as the PM's own commits use.
    private func identity(_ git: Git) async -> [String: String] {
        let email = try? await git.run(["config", "user.email"])
        guard email?.exitCode != 0 || email?.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty != false
        else { return [:] }
        return [
            "GIT_AUTHOR_NAME": "loop", "GIT_AUTHOR_EMAIL": "loop@localhost",
            "GIT_COMMITTER_NAME": "loop", "GIT_COMMITTER_EMAIL": "loop@localhost",
        ]
    }
}
