import Foundation
import Testing

@testable import LoopCore

/// HEAD read from `.git` files must say what `git rev-parse HEAD` says, or nothing.
@Suite(.timeLimit(.minutes(1)))
struct GitHeadFileTests {
    @Test("a branch as a loose ref, then packed, a detached HEAD and a linked worktree: the same commit git names")
    func matchesGit() async throws {
        let dir = try TempDir()
        let git = try await GitOnceTests.repository(dir)
        let head = try #require(await git.head())
        #expect(GitHeadFile.commit(repository: dir.path) == head)

        try await git.output(["pack-refs", "--all"])
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/.git/refs/heads/main"))
        #expect(GitHeadFile.commit(repository: dir.path) == head)

        _ = try dir.write("keep.txt", "two\n")
        try await git.output(["commit", "-qam", "two"])
        let second = try #require(await git.head())
        #expect(GitHeadFile.commit(repository: dir.path) == second)

        try await git.output(["checkout", "-q", "--detach", head])
        #expect(GitHeadFile.commit(repository: dir.path) == head)

        let other = dir.path + "/../" + UUID().uuidString
        try await git.output(["worktree", "add", "-q", "-b", "side", other, second])
        defer { try? FileManager.default.removeItem(atPath: other) }
        #expect(GitHeadFile.commit(repository: other) == second)
    }

    @Test("an unborn branch or no repository at all: nil, so the caller asks git")
    func nothingMadeUp() async throws {
        let dir = try TempDir()
        let git = Git(directory: dir.path)
        #expect(GitHeadFile.commit(repository: dir.path) == nil)
        try await git.output(["init", "-q", "-b", "main"])
        #expect(GitHeadFile.commit(repository: dir.path) == nil)
    }
}
