import Foundation
import LoopTestSupport
import Testing

/// The user's checkout is theirs: worktree mode never touches it, `--in-place` refuses a dirty
/// tree, and files that look like secrets are never committed.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct GitSafetyTests {
    /// What a user would notice changing in their checkout.
    struct Snapshot: Equatable {
        var head: String
        var branch: String
        var trackedStatus: String
        var staged: String
        var bytes: [String: Data]
        var branches: String
    }

    private func snapshot(_ repo: TestRepo, extraFiles: [String] = []) async throws -> Snapshot {
        let tracked = try await repo.git("ls-files").split(separator: "\n").map(String.init)
        var bytes: [String: Data] = [:]
        for file in tracked + extraFiles {
            bytes[file] = FileManager.default.contents(atPath: repo.absolute(file)) ?? Data()
        }
        return Snapshot(
            head: try await repo.git("rev-parse", "HEAD"),
            branch: try await repo.git("rev-parse", "--abbrev-ref", "HEAD"),
            trackedStatus: try await repo.git("status", "--porcelain", "--untracked-files=no"),
            staged: try await repo.git("diff", "--cached"),
            bytes: bytes,
            branches: try await repo.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/main"))
    }

    /// A checkout with a modified tracked file, a staged file and an untracked file.
    private func makeUserEdits(_ repo: TestRepo) async throws {
        try repo.write("src/app.txt", "v1\n")
        try repo.write("work.txt", "user's own line\n")
        try await repo.git("add", "-A")
        try await repo.git("commit", "-q", "-m", "user work")
        try repo.write("src/app.txt", "v2, not committed\n")
        try repo.write("staged.txt", "staged\n")
        try await repo.git("add", "staged.txt")
        try repo.write("notes-untracked.txt", "scratch\n")
    }

    @Test("in worktree mode the user's HEAD, branch, index, tracked status and file bytes are identical after a run")
    func checkoutUntouched() async throws {
        let repo = try await TestRepo.make()
        try await makeUserEdits(repo)
        try repo.writeCard()
        try repo.useAgents(reviewer: AgentScript.rejectOnceThenApprove(marker: "again"))
        let before = try await snapshot(repo, extraFiles: ["notes-untracked.txt", "staged.txt"])

        let result = try await repo.run()

        #expect(result.exitCode == 0, "\(result.output)")
        let after = try await snapshot(repo, extraFiles: ["notes-untracked.txt", "staged.txt"])
        #expect(after == before)
        // The work is on the task branch, built on the user's HEAD.
        #expect(try await repo.git("merge-base", "main", "loop/T-1") == before.head)
        #expect(try await repo.git("show", "loop/T-1:work.txt").contains("round 2"))
        #expect(try await repo.git("show", "loop/T-1:src/app.txt") == "v1", "uncommitted user edits never reach the branch")
    }

    @Test("--in-place with a dirty tree exits 4, names the file, and changes nothing")
    func inPlaceDirtyRefused() async throws {
        let repo = try await TestRepo.make()
        try await makeUserEdits(repo)
        try repo.writeCard()
        try repo.useAgents(worker: "touch \"$STATE/worker-ran\"\nchange\nwork_report")
        let before = try await snapshot(repo, extraFiles: ["notes-untracked.txt", "staged.txt"])

        let result = try await repo.run(["--in-place"])

        #expect(result.exitCode == 4, "\(result.output)")
        #expect(result.stderr.contains("src/app.txt"), "\(result.stderr)")
        #expect(result.stderr.contains("--allow-dirty"), "\(result.stderr)")
        #expect(try await snapshot(repo, extraFiles: ["notes-untracked.txt", "staged.txt"]) == before)
        #expect(!repo.exists(repo.scratchFile("worker-ran")))
        #expect(!Bus(repo).exists("state.json"), "no run may start")
        #expect(try await repo.git("branch", "--list", "loop/*").isEmpty)
    }

    @Test("--in-place on a clean tree commits on the current branch and offers no merge command")
    func inPlaceClean() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        let head = try await repo.git("rev-parse", "HEAD")

        let result = try await repo.run(["--in-place"])

        #expect(result.exitCode == 0, "\(result.output)")
        let outcome = try Bus(repo).outcome
        #expect(outcome["branch"] as? String == "main")
        #expect(outcome["merge_command"] == nil || outcome["merge_command"] is NSNull)
        #expect(try await repo.git("rev-parse", "HEAD^") == head)
        #expect(try await repo.git("rev-parse", "--abbrev-ref", "HEAD") == "main")
        #expect(try await repo.git("status", "--porcelain", "--untracked-files=no").isEmpty)
        #expect(try await repo.git("ls-files", ".loop").isEmpty, "the bus is never committed")
    }

    @Test("--in-place --allow-dirty works, but the files dirty at the start are never committed")
    func inPlaceAllowDirty() async throws {
        let repo = try await TestRepo.make()
        try await makeUserEdits(repo)
        try repo.writeCard()
        try repo.useAgents()

        let result = try await repo.run(["--in-place", "--allow-dirty"])

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try repo.read("src/app.txt") == "v2, not committed\n")
        #expect(try await repo.git("show", "HEAD:src/app.txt") == "v1")
        #expect(try await repo.git("show", "HEAD:work.txt").contains("round 1"))
        let committed = try await repo.git("show", "--name-only", "--format=", "HEAD")
        #expect(!committed.contains("notes-untracked.txt"), "\(committed)")
    }

    @Test("--in-place --allow-dirty never commits a file the user had staged before the run")
    func inPlaceAllowDirtyKeepsStagedFiles() async throws {
        let repo = try await TestRepo.make()
        try await makeUserEdits(repo)
        try repo.writeCard()
        try repo.useAgents()

        let result = try await repo.run(["--in-place", "--allow-dirty"])

        #expect(result.exitCode == 0, "\(result.output)")
        let committed = try await repo.git("log", "--name-only", "--format=", "main@{1}..main")
        #expect(!committed.contains("staged.txt"), "the user's staged file went into the PM's commit: \(committed)")
        #expect(try await repo.git("diff", "--cached", "--name-only") == "staged.txt", "still staged, as the user left it")
    }

    @Test("a .env made by the worker stays uncommitted and is named in state and the review request")
    func secretsLeftUncommitted() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(
            worker: """
                echo "API_KEY=sk-e2e-not-a-real-key" >"$LOOP_WORKDIR/.env"
                mkdir -p "$LOOP_WORKDIR/keys" && echo key >"$LOOP_WORKDIR/keys/deploy.pem"
                change
                work_report
                """,
            reviewer: """
                cp "$LOOP_BUS_DIR/review_request.json" "$STATE/review_request.json"
                review_report approve
                """)
        let bus = Bus(repo)

        let result = try await repo.run()

        #expect(result.exitCode == 0, "\(result.output)")
        let round = try #require(try bus.rounds.first)
        let secrets = try #require(round["uncommitted_secrets"] as? [String])
        #expect(Set(secrets) == [".env", "keys/deploy.pem"])
        let request = try bus.object(repo.scratchFile("review_request.json"))
        #expect(Set(request["uncommitted_secrets"] as? [String] ?? []) == [".env", "keys/deploy.pem"])
        let branchFiles = try await repo.git("ls-tree", "-r", "--name-only", "loop/T-1")
        #expect(branchFiles.contains("work.txt"))
        #expect(!branchFiles.contains(".env"), "\(branchFiles)")
        #expect(!branchFiles.contains("deploy.pem"), "\(branchFiles)")
        #expect(result.output.contains(".env"), "the user is told: \(result.output)")
        // Still there for a person to decide about.
        #expect(repo.exists(".loop/worktrees/T-1/.env"))
    }

    @Test("a .env the worker staged but did not commit is still not committed by the PM")
    func stagedSecretNotCommitted() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(
            worker: """
                echo "API_KEY=sk-e2e-not-a-real-key" >"$LOOP_WORKDIR/.env"
                git -C "$LOOP_WORKDIR" add .env
                change
                work_report
                """)

        let result = try await repo.run()

        #expect(result.exitCode == 0, "\(result.output)")
        let branchFiles = try await repo.git("ls-tree", "-r", "--name-only", "loop/T-1")
        #expect(!branchFiles.contains(".env"), "the PM committed a staged secret: \(branchFiles)")
        #expect(try Bus(repo).rounds.first?["uncommitted_secrets"] as? [String] == [".env"])
    }
}
