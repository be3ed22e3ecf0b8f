#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopTestSupport
import Testing

/// The archive: every round kept, listed, restored; `--reset` archives before it clears.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ArchiveTests {
    /// A two-round approved run; returns its run id.
    private func twoRoundRun(_ repo: TestRepo) async throws -> String {
        try repo.writeCard()
        try repo.useAgents(reviewer: AgentScript.rejectOnceThenApprove(marker: "needs round two"))
        let result = try await repo.run()
        #expect(result.exitCode == 0, "\(result.output)")
        return try #require(try Bus(repo).outcome["run_id"] as? String)
    }

    @Test("archive list --json names each run with its rounds and result")
    func listRuns() async throws {
        let repo = try await TestRepo.make()
        let first = try await twoRoundRun(repo)
        #expect(try await repo.run().exitCode == 0)
        let second = try #require(try Bus(repo).outcome["run_id"] as? String)

        let result = try await repo.loop("archive", "list", "--json")

        #expect(result.exitCode == 0, "\(result.output)")
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let byID = Dictionary(uniqueKeysWithValues: runs.compactMap { run in (run["run_id"] as? String).map { ($0, run) } })
        #expect(byID[first]?["rounds"] as? [Int] == [1, 2], "\(runs)")
        #expect(byID[second] != nil, "\(runs)")
        #expect(byID[first]?["result"] as? String == "approved", "\(runs)")
        let text = try await repo.loop("archive", "list")
        #expect(text.stdout.contains(first) && text.stdout.contains(second), "\(text.stdout)")
    }

    @Test("archive restore puts a round's bus files back, and --checkout that round's commit in the worktree")
    func restoreRound() async throws {
        let repo = try await TestRepo.make()
        let runID = try await twoRoundRun(repo)
        let bus = Bus(repo)
        let archive = bus.archiveFolder(run: runID)
        let roundOneHead = try #require(try bus.rounds.first?["head_sha"] as? String)

        let result = try await repo.loop("archive", "restore", "T-1", "--round", "1", "--checkout")

        #expect(result.exitCode == 0, "\(result.output)")
        for name in ["work_report.json", "review_report.json", "review_request.json"] {
            #expect(try bus.text(name) == bus.text("\(archive)/r1_\(name)"), "\(name) is not round 1's")
        }
        let worktree = repo.loopDir + "/worktrees/T-1"
        #expect(try await repo.git(["rev-parse", "HEAD"], in: worktree) == roundOneHead)
        #expect(try await repo.git(["show", "HEAD:work.txt"], in: worktree) == "round 1")
        // The task branch itself is not moved.
        #expect(try await repo.git("rev-parse", "loop/T-1") == (try bus.outcome["head_sha"] as? String))
    }

    @Test("archive restore of an unknown task or round is exit 1 and restores nothing")
    func restoreUnknown() async throws {
        let repo = try await TestRepo.make()
        _ = try await twoRoundRun(repo)
        let before = try Bus(repo).text("work_report.json")

        let unknownTask = try await repo.loop("archive", "restore", "NOPE", "--round", "1")
        let unknownRound = try await repo.loop("archive", "restore", "T-1", "--round", "9")

        #expect(unknownTask.exitCode == 1, "\(unknownTask.output)")
        #expect(unknownRound.exitCode == 1, "\(unknownRound.output)")
        #expect(try Bus(repo).text("work_report.json") == before)
    }

    @Test("--reset archives the bus and state of the last run before clearing them, and keeps the task card")
    func resetArchivesFirst() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: AgentScript.hangOnFirstCall(seconds: 60))
        let bus = Bus(repo)
        let stopped = try await repo.start(waitingFor: "ready")
        try await stopped.send(SIGTERM)
        #expect(try await stopped.wait().exitCode == 143)
        let oldRun = try #require(try bus.state["run_id"] as? String)
        let oldState = try bus.text("state.json")
        let card = try bus.text("task_card.json")

        let fresh = try await repo.run(["--reset"])

        #expect(fresh.exitCode == 0, "\(fresh.output)")
        let newRun = try #require(try bus.outcome["run_id"] as? String)
        #expect(newRun != oldRun)
        #expect(try bus.text("task_card.json") == card)
        let archived = bus.files(under: bus.archiveFolder(run: oldRun))
        let resetState = try #require(archived.first { $0.hasSuffix("reset_state.json") }, "\(archived)")
        #expect(try bus.text("\(bus.archiveFolder(run: oldRun))/\(resetState)") == oldState)
    }

    @Test("extract-diff prints the diff between two commits; a bad ref is exit 1 naming it")
    func extractDiff() async throws {
        let repo = try await TestRepo.make()
        _ = try await twoRoundRun(repo)
        let base = try #require(try Bus(repo).outcome["base_sha"] as? String)

        let result = try await repo.loop("extract-diff", base, "loop/T-1")

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(result.stdout.contains("+round 1") && result.stdout.contains("+round 2"), "\(result.stdout)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            == (try await repo.git("diff", base, "loop/T-1")))
        let bad = try await repo.loop("extract-diff", base, "no-such-ref")
        #expect(bad.exitCode == 1, "\(bad.output)")
        #expect(bad.stderr.contains("no-such-ref"), "\(bad.stderr)")
    }
}
