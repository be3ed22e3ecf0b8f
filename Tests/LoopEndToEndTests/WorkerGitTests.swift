import Foundation
import LoopTestSupport
import Testing

/// Whatever the worker does with git in its workdir, the PM's commit and outcome stay true:
/// the task branch holds the reviewed change, and `merge_command` brings exactly that.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct WorkerGitTests {
    /// Runs one round with `worker` and an approving reviewer.
    private func runWorker(_ worker: String) async throws -> (TestRepo, LoopResult) {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: worker)
        let result = try await repo.run(["--dispatch-retries", "0", "--max-rounds", "1"])
        return (repo, result)
    }

    private func branchFiles(_ repo: TestRepo) async throws -> [String] {
        try await repo.git("ls-tree", "-r", "--name-only", "loop/T-1").split(separator: "\n").map(String.init)
    }

    @Test("an unstaged deletion and odd file names (spaces, unicode, a leading dash, quotes) are committed")
    func deletionsAndOddNames() async throws {
        let (repo, result) = try await runWorker(
            """
            cd "$LOOP_WORKDIR"
            rm README.md
            echo a >"a b.txt"; echo u >"ü.txt"; echo d >./-rf; echo q >'q"uote.txt'
            change
            work_report
            """)

        #expect(result.exitCode == 0, "\(result.output)")
        let files = try await branchFiles(repo)
        #expect(!files.contains("README.md"), "\(files)")
        for name in ["a b.txt", "-rf", "work.txt"] { #expect(files.contains(name), "\(name) missing: \(files)") }
        let quoted = try await repo.git("ls-tree", "-r", "-z", "--name-only", "loop/T-1")
        #expect(quoted.contains("ü.txt") && quoted.contains("q\"uote.txt"), "\(quoted)")
        #expect(try await repo.git(["status", "--porcelain"], in: repo.loopDir + "/worktrees/T-1").isEmpty)
    }

    @Test(
        "a rename the worker staged with git mv but did not commit is committed by the PM")
    func stagedRename() async throws {
        let (repo, result) = try await runWorker(
            """
            git -C "$LOOP_WORKDIR" mv README.md DOCS.md
            work_report
            """)

        #expect(result.exitCode == 0, "\(result.output)")
        let files = try await branchFiles(repo)
        #expect(files.contains("DOCS.md") && !files.contains("README.md"), "\(files)")
    }

    @Test(
        "a deletion the worker staged with git rm but did not commit is committed by the PM")
    func stagedDeletion() async throws {
        let (repo, result) = try await runWorker(
            """
            git -C "$LOOP_WORKDIR" rm -q README.md
            change
            work_report
            """)

        #expect(result.exitCode == 0, "\(result.output)")
        let files = try await branchFiles(repo)
        #expect(!files.contains("README.md") && files.contains("work.txt"), "\(files)")
    }

    @Test("the worker's own commits are kept, and what it left uncommitted is committed on top")
    func workerCommitsAndLeavesMore() async throws {
        let (repo, result) = try await runWorker(
            """
            cd "$LOOP_WORKDIR"
            echo mine >own.txt && git add own.txt && git commit -q -m "worker's own commit"
            change
            work_report
            """)

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try await repo.git("rev-list", "--count", "main..loop/T-1") == "2")
        let files = try await branchFiles(repo)
        #expect(files.contains("own.txt") && files.contains("work.txt"))
        let outcome = try Bus(repo).outcome
        #expect(try await repo.git("rev-parse", "loop/T-1") == outcome["head_sha"] as? String)
    }

    /// A worker that moves HEAD off the task branch: the approval must not claim the branch holds it.
    static let branchEscapes = [
        "git -C \"$LOOP_WORKDIR\" checkout -q -b sneaky",
        "git -C \"$LOOP_WORKDIR\" checkout -q --detach",
    ]

    @Test(
        "if the worker leaves the task branch, an approved outcome's branch still holds the approved head",
        arguments: branchEscapes)
    func workerLeavesTaskBranch(escape: String) async throws {
        let (repo, result) = try await runWorker("\(escape)\nchange\nwork_report")

        let outcome = try Bus(repo).outcome
        if result.exitCode == 0 {
            let head = try #require(outcome["head_sha"] as? String)
            #expect(try await repo.git("rev-parse", "loop/T-1") == head, "approved \(head), but loop/T-1 is elsewhere")
            #expect(try await repo.git("show", "loop/T-1:work.txt") == "round 1")
        } else {
            #expect(outcome["result"] as? String != "approved")
        }
    }

    @Test("the PM records the head from git, not the worker's claim, and notes the mismatch")
    func claimedHeadIsNotTrusted() async throws {
        let (repo, result) = try await runWorker(
            """
            change
            put "$LOOP_REPORT_PATH" "{\\"task_id\\": \\"$LOOP_TASK_ID\\", \\"round\\": $LOOP_ROUND, \\"run_id\\": \\"$LOOP_RUN_ID\\", \\"head_sha\\": \\"0123456789abcdef0123456789abcdef01234567\\", \\"files_changed\\": [\\"everything.txt\\"], \\"tests\\": [{\\"name\\": \\"all\\", \\"result\\": \\"pass\\"}], \\"notes\\": \\"trust me\\"}"
            """)

        #expect(result.exitCode == 0, "\(result.output)")
        let bus = Bus(repo)
        let round = try #require(try bus.rounds.first)
        let realHead = try await repo.git("rev-parse", "loop/T-1")
        #expect(round["head_sha"] as? String == realHead)
        #expect(round["files_changed"] as? [String] == ["work.txt"])
        #expect(try bus.eventNames.contains("claim_mismatch"))
    }
}
