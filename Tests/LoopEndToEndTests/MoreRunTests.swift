#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopTestSupport
import Testing

/// Continuing and repeating runs the way the README promises, and the smaller run flags.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct MoreRunTests {
    @Test("an exhausted run resumed with a bigger --max-rounds continues with the next round and its fix list")
    func exhaustedThenMoreRounds() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(reviewer: AgentScript.rejectOnceThenApprove(marker: "MORE-ROUNDS"))
        let bus = Bus(repo)
        #expect(try await repo.run(["--max-rounds", "1"]).exitCode == 2)
        let runID = try bus.outcome["run_id"] as? String

        let refused = try await repo.run(["--resume"])
        #expect(refused.exitCode == 2, "no more rounds given: \(refused.output)")

        let resumed = try await repo.run(["--resume", "--max-rounds", "2"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try bus.outcome["run_id"] as? String == runID)
        #expect(try bus.outcome["rounds"] as? Int == 2)
        #expect(try repo.read(repo.scratchFile("worker_prompt_r2.txt")).contains("MORE-ROUNDS"))
    }

    @Test("a failed run is resumed after the cause is fixed, in the step it failed in")
    func failedThenFixedThenResumed() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(reviewer: "echo 'reviewer is broken' >&2\nexit 1")
        let bus = Bus(repo)
        let failed = try await repo.run(["--dispatch-retries", "0"])
        #expect(failed.exitCode == 3, "\(failed.output)")
        #expect(try bus.state["phase"] as? String == "failed")
        #expect(try bus.state["stopped_in"] as? String == "reviewing")
        #expect((try bus.outcome["reason"] as? String)?.contains("reviewer") == true)

        try repo.agent("reviewer", AgentScript.approve)
        let resumed = try await repo.run(["--resume"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try await repo.git("rev-list", "--count", "main..loop/T-1") == "1", "the worker's round is not redone")
    }

    @Test(
        "--resume honours a new --dispatch-timeout, so a run that failed on a too-short timeout can be continued")
    func resumeWithLongerTimeout() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: "sleep 2\n" + AgentScript.goodWorker)
        let failed = try await repo.run(["--dispatch-timeout", "1", "--dispatch-retries", "0"])
        #expect(failed.exitCode == 3, "\(failed.output)")

        let resumed = try await repo.run(["--resume", "--dispatch-timeout", "20"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try Bus(repo).state["options"].flatMap { ($0 as? [String: Any])?["dispatch_timeout"] as? Int } == 20)
    }

    @Test("after the user merges the task branch, the next run starts from the user's HEAD")
    func mergedBranchMovesToHead() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        #expect(try await repo.run().exitCode == 0)
        try await repo.git("merge", "-q", "--ff-only", "loop/T-1")
        try repo.write("later.txt", "user work after the merge\n")
        try await repo.git("add", "later.txt")
        try await repo.git("commit", "-q", "-m", "later")
        let userHead = try await repo.git("rev-parse", "HEAD")

        let next = try await repo.run()

        #expect(next.exitCode == 0, "\(next.output)")
        let outcome = try Bus(repo).outcome
        #expect(outcome["base_sha"] as? String == userHead)
        #expect(try await repo.git("merge-base", "main", "loop/T-1") == userHead)
        #expect(try await repo.git("show", "loop/T-1:later.txt") == "user work after the merge")
    }

    @Test("files matched by the repository's .gitignore are not committed by the PM")
    func gitignoreRespected() async throws {
        let repo = try await TestRepo.make()
        try repo.write(".gitignore", "*.log\nbuild/\n")
        try await repo.git("add", ".gitignore")
        try await repo.git("commit", "-q", "-m", "ignore logs")
        try repo.writeCard()
        try repo.useAgents(
            worker: """
                echo noise >"$LOOP_WORKDIR/debug.log"
                mkdir -p "$LOOP_WORKDIR/build" && echo obj >"$LOOP_WORKDIR/build/out.o"
                change
                work_report
                """)

        let result = try await repo.run()

        #expect(result.exitCode == 0, "\(result.output)")
        let files = try await repo.git("ls-tree", "-r", "--name-only", "loop/T-1")
        #expect(files.contains("work.txt"))
        #expect(!files.contains("debug.log") && !files.contains("build/out.o"), "\(files)")
    }

    @Test("--task runs a card from another path, and --resume keeps reading that card")
    func taskPathOption() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.write("cards/one.json", try repo.read(".loop/task_card.json"))
        try FileManager.default.removeItem(atPath: repo.absolute(".loop/task_card.json"))
        try repo.useAgents(worker: AgentScript.hangOnFirstCall(seconds: 60))
        let first = try await repo.start(["--task", "cards/one.json"], waitingFor: "ready")
        try await first.send(SIGTERM)
        #expect(try await first.wait().exitCode == 143)

        let resumed = try await repo.run(["--resume"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(!repo.exists(".loop/task_card.json"))
    }

    @Test("--single-round runs exactly one round by hand, and the next call the next round")
    func singleRoundByHand() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(reviewer: AgentScript.rejectOnceThenApprove(marker: "by hand"))
        let bus = Bus(repo)

        let one = try await repo.run(["--single-round"])
        #expect(one.exitCode == 0, "\(one.output)")
        #expect(try bus.state["phase"] as? String == "working")
        #expect(try bus.state["round"] as? Int == 2)
        #expect(!repo.exists(repo.scratchFile("worker_prompt_r2.txt")))

        let wrong = try await repo.run(["--resume", "--single-round", "--round", "5"])
        #expect(wrong.exitCode == 1, "\(wrong.output)")

        let two = try await repo.run(["--resume", "--single-round", "--round", "2"])
        #expect(two.exitCode == 0, "\(two.output)")
        #expect(try bus.state["phase"] as? String == "done")
        #expect(try bus.outcome["result"] as? String == "approved")
    }

    @Test("loop demo --scripted runs the bundled example to approval in a new folder; loop version prints a version")
    func demoAndVersion() async throws {
        let repo = try await TestRepo.make(git: false, initLoop: false)
        let folder = repo.root + "/demo"

        let demo = try await runLoop(["demo", "--scripted", "--dir", folder], in: repo.root)

        #expect(demo.exitCode == 0, "\(demo.output)")
        #expect(demo.output.contains("not AI"), "the demo says its agents are scripted: \(demo.output)")
        let outcome = try Bus(root: folder + "/repo/.loop").outcome
        #expect(outcome["result"] as? String == "approved")
        #expect(outcome["rounds"] as? Int == 2)
        let again = try await runLoop(["demo", "--scripted", "--dir", folder], in: repo.root)
        #expect(again.exitCode == 1, "an existing folder is refused: \(again.output)")

        let version = try await runLoop(["version"], in: repo.root)
        #expect(version.exitCode == 0)
        #expect(version.stdout.range(of: #"\d+\.\d+\.\d+"#, options: .regularExpression) != nil, "\(version.stdout)")
        #expect(try await runLoop(["--version"], in: repo.root).stdout == version.stdout.replacingOccurrences(of: "loop ", with: ""))
    }

    @Test("loop demo without --scripted and without a model server is exit 1 saying how to start one")
    func demoNeedsAModelServer() async throws {
        let repo = try await TestRepo.make(git: false, initLoop: false)
        let folder = repo.root + "/demo"

        let demo = try await runLoop(
            ["demo", "--dir", folder], in: repo.root, environment: ["OLLAMA_HOST": "http://127.0.0.1:9"],
            unset: ["OPENAI_BASE_URL", "OPENAI_API_KEY"])

        #expect(demo.exitCode == 1, "\(demo.output)")
        #expect(demo.stderr.contains("127.0.0.1:9"), "the address tried is named: \(demo.stderr)")
        #expect(demo.stderr.contains("--scripted") || demo.stderr.contains("ollama serve"), "\(demo.stderr)")
    }
}
