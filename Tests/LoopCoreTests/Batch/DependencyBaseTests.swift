import Foundation
import LoopCore
import Testing

/// The base of a task with dependencies: their approved commits, merged without a checkout.
struct DependencyBaseTests {
    /// A repository with one commit on `main` and two branches made from it, each changing
    /// `shared.txt` to `left`/`right` and adding its own file.
    static func repository(conflicting: Bool) async throws -> (TempDir, Git, main: String, left: String, right: String)
    {
        let dir = try TempDir()
        let git = Git(directory: dir.path)
        try await git.output(["init", "-q", "-b", "main"])
        try await git.output(["config", "user.email", "test@loop.invalid"])
        try await git.output(["config", "user.name", "loop test"])
        _ = try dir.write("shared.txt", "base\n")
        try await git.output(["add", "-A"])
        try await git.output(["commit", "-q", "-m", "base"])
        let main = try await git.line(["rev-parse", "HEAD"])
        var heads: [String] = []
        for side in ["left", "right"] {
            try await git.output(["checkout", "-q", "-b", side, main])
            _ = try dir.write("\(side).txt", "\(side)\n")
            if conflicting { _ = try dir.write("shared.txt", "\(side)\n") }
            try await git.output(["add", "-A"])
            try await git.output(["commit", "-q", "-m", side])
            heads.append(try await git.line(["rev-parse", "HEAD"]))
        }
        try await git.output(["checkout", "-q", "main"])
        return (dir, git, main, heads[0], heads[1])
    }

    @Test("one dependency: its commit; two: a merge commit holding both, with the checkout untouched")
    func merged() async throws {
        let (dir, git, main, left, right) = try await Self.repository(conflicting: false)
        let base = DependencyBase(repository: dir.path)
        #expect(try await base.commit(for: "T", approvedHeads: []) == nil)
        #expect(try await base.commit(for: "T", approvedHeads: [left]) == left)
        #expect(try await base.commit(for: "T", approvedHeads: [main]) == nil, "already in HEAD")

        let both = try #require(try await base.commit(for: "T", approvedHeads: [left, right]))
        let parents = try await git.line(["rev-list", "--parents", "-n", "1", both]).split(separator: " ").dropFirst()
        #expect(parents.map(String.init) == [left, right])
        let files = try await git.line(["ls-tree", "--name-only", both]).split(separator: "\n").map(String.init)
        #expect(files == ["left.txt", "right.txt", "shared.txt"])
        #expect(try await git.line(["rev-parse", "HEAD"]) == main)
        #expect(try await git.changedPaths().isEmpty)
    }

    @Test("dependencies whose work conflicts: refused naming the file, nothing changed")
    func conflicting() async throws {
        let (dir, git, main, left, right) = try await Self.repository(conflicting: true)
        let error = await #expect(throws: LoopError.self) {
            try await DependencyBase(repository: dir.path).commit(for: "T", approvedHeads: [left, right])
        }
        #expect(error?.errorDescription?.contains("shared.txt") == true, "\(String(describing: error))")
        #expect(try await git.line(["rev-parse", "HEAD"]) == main)
        #expect(try await git.changedPaths().isEmpty)
    }
}
