import Foundation
import Testing

@testable import LoopCore

/// The one-process git facts (`Git.snapshot`, `Git.diffAndFiles`) must say exactly what the
/// several processes they replace say, on a real repository.
@Suite(.timeLimit(.minutes(1)))
struct GitOnceTests {
    /// A repository on `main` with two committed files.
    static func repository(_ dir: TempDir) async throws -> Git {
        let git = Git(directory: dir.path)
        try await git.output(["init", "-q", "-b", "main"])
        try await git.output(["config", "user.email", "t@loop.invalid"])
        try await git.output(["config", "user.name", "t"])
        _ = try dir.write("old name.txt", "one\ntwo\nthree\nfour\n")
        _ = try dir.write("keep.txt", "keep\n")
        try await git.output(["add", "-A"])
        try await git.output(["commit", "-q", "-m", "one"])
        return git
    }

    @Test("a snapshot gives the head, branch and changes that rev-parse, symbolic-ref and status give")
    func snapshotMatchesSeparateProcesses() async throws {
        let dir = try TempDir()
        let git = try await Self.repository(dir)
        try await git.output(["mv", "old name.txt", "new name.txt"])
        _ = try dir.write("keep.txt", "changed\n")
        _ = try dir.write("sub dir/untracked file.txt", "new\n")
        _ = try dir.write("staged.txt", "s\n")
        try await git.output(["add", "staged.txt"])
        _ = try dir.write("staged.txt", "s2\n")

        let snapshot = try await git.snapshot()
        #expect(snapshot.head == (await git.head()))
        #expect(snapshot.branch == "main")
        let byPath = { (changes: [Git.Change]) in changes.sorted { $0.path < $1.path } }
        #expect(byPath(snapshot.changes) == byPath(try await git.status()))
        #expect(snapshot.changes.contains(Git.Change(path: "old name.txt", needsAdd: false)))
        #expect(snapshot.changes.contains(Git.Change(path: "new name.txt", needsAdd: false)))
        #expect(snapshot.changes.contains(Git.Change(path: "sub dir/untracked file.txt", needsAdd: true, untracked: true)))
        #expect(snapshot.changes.contains(Git.Change(path: "staged.txt", needsAdd: true)))
    }

    @Test("a snapshot on a detached HEAD names no branch, and excluded paths are left out")
    func snapshotDetachedAndExcluded() async throws {
        let dir = try TempDir()
        let git = try await Self.repository(dir)
        let head = await git.head()
        try await git.output(["checkout", "-q", "--detach"])
        _ = try dir.write(".bus/state.json", "{}\n")
        _ = try dir.write("work.txt", "w\n")
        let snapshot = try await git.snapshot(excluding: [".bus"])
        #expect(snapshot.branch == nil)
        #expect(snapshot.head == head)
        #expect(snapshot.changes.map(\.path) == ["work.txt"])
    }

    @Test("diffAndFiles gives the diff and the --no-renames file list of two processes, renames included")
    func diffAndFilesMatchesSeparateProcesses() async throws {
        let dir = try TempDir()
        let git = try await Self.repository(dir)
        let base = try #require(await git.head())
        try await git.output(["mv", "old name.txt", "new name.txt"])
        _ = try dir.write("keep.txt", "changed\n")
        _ = try dir.write("tab\there.txt", "odd name\n")
        try await git.output(["add", "-A"])
        try await git.output(["commit", "-q", "-m", "two"])
        let head = try #require(await git.head())

        let (diff, files) = try await git.diffAndFiles(from: base, to: head)
        #expect(diff == (try await git.diff(from: base, to: head)))
        #expect(diff.contains("rename from old name.txt"))
        #expect(files == (try await git.changedFiles(from: base, to: head)).sorted())
        #expect(files.contains("tab\there.txt"))
        let same = try await git.diffAndFiles(from: head, to: head)
        #expect(same.diff.isEmpty && same.files.isEmpty)
    }

    @Test("diffs from several bases in one process match one diff per base, an empty one and odd paths included")
    func severalDiffsMatchSeparateProcesses() async throws {
        let dir = try TempDir()
        let git = try await Self.repository(dir)
        let runBase = try #require(await git.head())
        try await git.output(["mv", "old name.txt", "new name.txt"])
        _ = try dir.write("keep.txt", "changed\n")
        try await git.output(["add", "-A"])
        try await git.output(["commit", "-q", "-m", "two"])
        let roundBase = try #require(await git.head())
        _ = try dir.write("line\nbreak.txt", "a path with a newline\n")
        _ = try dir.write("keep.txt", "changed again\n")
        try await git.output(["add", "-A"])
        try await git.output(["commit", "-q", "-m", "three"])
        let head = try #require(await git.head())

        let diffs = try await git.diffs(to: head, from: [roundBase, head, runBase])
        #expect(diffs.count == 3)
        for (index, base) in [roundBase, head, runBase].enumerated() {
            #expect(diffs[index].diff == (try await git.diff(from: base, to: head)))
            #expect(diffs[index].files == (try await git.changedFiles(from: base, to: head)).sorted())
        }
        #expect(diffs[0].files == ["keep.txt", "line\nbreak.txt"])
        #expect(diffs[1].diff.isEmpty && diffs[1].files.isEmpty)
        #expect(diffs[2].files.contains("old name.txt") && diffs[2].files.contains("new name.txt"))
    }

    @Test("git's refusal to commit without an identity is recognised, so the PM can commit as loop")
    func missingIdentityIsRecognised() async throws {
        let dir = try TempDir()
        let git = Git(directory: dir.path)
        try await git.output(["init", "-q", "-b", "main"])
        _ = try dir.write("a.txt", "a\n")
        try await git.output(["add", "a.txt"])
        let noIdentity = [
            "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "EMAIL": "",
            "GIT_AUTHOR_NAME": "", "GIT_COMMITTER_NAME": "", "GIT_AUTHOR_EMAIL": "", "GIT_COMMITTER_EMAIL": "",
        ]
        let refused = try await git.run(["commit", "-q", "-m", "x"], environment: noIdentity)
        #expect(refused.exitCode != 0)
        #expect(Git.lacksIdentity(refused.stderr))
        let committed = try await git.run(
            ["commit", "-q", "-m", "x"], environment: noIdentity.merging(Git.fallbackIdentity) { $1 })
        #expect(committed.exitCode == 0)
        #expect(try await git.line(["log", "-1", "--format=%ae"]) == "loop@localhost")
    }
}

@Suite(.timeLimit(.minutes(1)))
struct GitCommitNothingTests {
    @Test("committing paths that hold no change returns nil and leaves what the user staged alone")
    func nothingToCommit() async throws {
        let dir = try TempDir()
        let git = try await GitOnceTests.repository(dir)
        let head = await git.head()
        _ = try dir.write("user.txt", "mine\n")
        try await git.output(["add", "user.txt"])
        _ = try dir.write("keep.txt", "edited\n")
        _ = try dir.write("keep.txt", "keep\n")  // undone: no change left
        #expect(try await git.commit(paths: ["keep.txt"], message: "x") == nil)
        #expect(await git.head() == head)
        #expect(try await git.output(["diff", "--cached", "--name-only"]) == "user.txt\n")
        _ = try dir.write("keep.txt", "really changed\n")
        let sha = try #require(try await git.commit(paths: ["keep.txt"], message: "y"))
        #expect(await git.head() == sha)
        #expect(try await git.output(["diff", "--cached", "--name-only"]) == "user.txt\n")
    }
}

/// The PM's commit from a snapshot: `git add` only for new paths, the new commit read from
/// git's summary line, and the same tree a plain `add -A` + `commit` would make.
@Suite(.timeLimit(.minutes(1)))
struct GitCommitFromSnapshotTests {
    @Test("an edit, a removal and a new file are committed exactly; the returned sha is HEAD")
    func commitsEveryKindOfChange() async throws {
        let dir = try TempDir()
        let git = try await GitOnceTests.repository(dir)
        _ = try dir.write("keep.txt", "edited\n")
        try FileManager.default.removeItem(atPath: dir.path + "/old name.txt")
        _ = try dir.write("sub dir/new file.txt", "new\n")
        _ = try dir.write("left alone.txt", "not in this commit\n")
        let changes = try await git.snapshot().changes.filter { $0.path != "left alone.txt" }
        #expect(changes.filter(\.untracked).map(\.path) == ["sub dir/new file.txt"])
        let sha = try #require(try await git.commit(changes, message: "loop: round 1\n\nbody"))
        #expect(await git.head() == sha)
        let files = try await git.output(["show", "--name-status", "--format=", sha])
        #expect(files == "M\tkeep.txt\nD\told name.txt\nA\tsub dir/new file.txt\n")
        #expect(try await git.snapshot().changes.map(\.path) == ["left alone.txt"])
    }

    @Test("the commit named in git's summary line is read in full, and anything else is not taken for one")
    func summaryLine() {
        let sha = String(repeating: "a1", count: 20)
        #expect(Git.committedSHA("[loop/T-1 \(sha)] loop: T-1 round 2\n 1 file changed\n") == sha)
        #expect(Git.committedSHA("[main (root-commit) \(sha)] first\n") == sha)
        #expect(Git.committedSHA("[main a1a1a1a] short\n") == nil)
        #expect(Git.committedSHA("nothing to commit, working tree clean\n") == nil)
        #expect(Git.committedSHA("") == nil)
    }
}
