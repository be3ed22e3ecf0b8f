import Foundation
import LoopTestSupport
import Testing

/// Option precedence (flags > LOOP_* > config.yaml > card > defaults) and run budgets, as
/// the run itself obeys them — not only as `loop config` prints them.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ConfigAndBudgetTests {
    /// Sets a top-level option in the config.yaml `loop init` wrote.
    private func setConfig(_ repo: TestRepo, _ key: String, _ value: String) throws {
        let lines = try repo.read(".loop/config.yaml").split(separator: "\n", omittingEmptySubsequences: false)
        let replaced = lines.map { line in line.hasPrefix("\(key):") ? "\(key): \(value)" : String(line) }
        #expect(replaced != lines.map(String.init), "config.yaml has no \(key)")
        try repo.write(".loop/config.yaml", replaced.joined(separator: "\n"))
    }

    /// A worker that notes the `MARK` its backend's `env:` gives it in each round, and in round 1
    /// runs `round1` (a person editing the config, say, while the run goes on).
    private static func markWorker(round1: String) -> String {
        """
        keep_prompt
        record "mark_r$LOOP_ROUND" "${MARK:-none}"
        if [ "$LOOP_ROUND" = 1 ]; then \(round1); fi
        change
        work_report
        """
    }

    @Test("a run keeps the backends it started with (run/backends.json, owner-only); --resume reads config.yaml again")
    func backendsFixedUntilResume() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(
            worker: Self.markWorker(round1: #"sed -i 's/MARK: one/MARK: two/' "$LOOP_BUS_DIR/config.yaml""#),
            reviewer: AgentScript.rejectUntil(round: 3), workerExtra: ["env: {MARK: one}"])

        let first = try await repo.run(["--max-rounds", "2"])

        #expect(first.exitCode == 2, "\(first.output)")
        #expect(try repo.read(".loop/config.yaml").contains("MARK: two"), "the worker edited the config")
        #expect(try repo.read(repo.scratchFile("mark_r1")) == "one\n")
        #expect(try repo.read(repo.scratchFile("mark_r2")) == "one\n", "round 2 uses the backends the run started with")
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(repo.path)/.loop/run/backends.json")
        #expect((attributes[.posixPermissions] as? Int) == 0o600, "a backend's env may hold a credential")

        let resumed = try await repo.run(["--resume", "--max-rounds", "3"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try repo.read(repo.scratchFile("mark_r3")) == "two\n", "--resume reads config.yaml again")
    }

    @Test("a round whose run/backends.json is gone reads config.yaml itself")
    func backendsSnapshotMissing() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(
            worker: Self.markWorker(round1: #"rm -f "$LOOP_BUS_DIR/run/backends.json""#),
            reviewer: AgentScript.rejectOnce, workerExtra: ["env: {MARK: one}"])

        let result = try await repo.run()

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try repo.read(repo.scratchFile("mark_r2")) == "one\n")
    }

    @Test("round budget precedence in real runs: flag > LOOP_MAX_ROUNDS > card max_rounds > config.yaml")
    func maxRoundsPrecedence() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(extra: #""max_rounds": 2"#)
        try repo.useAgents(reviewer: AgentScript.alwaysReject)
        try setConfig(repo, "max_rounds", "4")
        let bus = Bus(repo)

        let byCard = try await repo.run()
        #expect(byCard.exitCode == 2, "\(byCard.output)")
        #expect(try bus.outcome["rounds"] as? Int == 2, "the card beats config.yaml")

        let byEnv = try await repo.run(environment: ["LOOP_MAX_ROUNDS": "1"])
        #expect(byEnv.exitCode == 2, "\(byEnv.output)")
        #expect(try bus.outcome["rounds"] as? Int == 1, "LOOP_MAX_ROUNDS beats the card")

        let byFlag = try await repo.run(["--max-rounds", "3"], environment: ["LOOP_MAX_ROUNDS": "1"])
        #expect(byFlag.exitCode == 2, "\(byFlag.output)")
        #expect(try bus.outcome["rounds"] as? Int == 3, "the flag beats LOOP_MAX_ROUNDS")
    }

    @Test("loop config --json shows each value with its source")
    func configSources() async throws {
        let repo = try await TestRepo.make()
        try setConfig(repo, "dispatch_retries", "7")

        let result = try await runLoop(["config", "--json"], in: repo.path, environment: ["LOOP_MAX_ROUNDS": "5"])

        #expect(result.exitCode == 0, "\(result.output)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let options = try #require(document["options"] as? [String: [String: Any]])
        #expect(options["max_rounds"]?["value"] as? Int == 5)
        #expect(options["max_rounds"]?["source"] as? String == "env LOOP_MAX_ROUNDS")
        #expect(options["dispatch_retries"]?["value"] as? Int == 7)
        #expect(options["dispatch_retries"]?["source"] as? String == "config.yaml")
        #expect(options["verify_timeout"]?["source"] as? String != "env LOOP_MAX_ROUNDS")
    }

    @Test("an invalid LOOP_* value is exit 1 naming the variable")
    func invalidEnvironmentValue() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()

        let result = try await repo.run(environment: ["LOOP_DISPATCH_TIMEOUT": "soon"])

        #expect(result.exitCode == 1, "\(result.output)")
        #expect(result.stderr.contains("LOOP_DISPATCH_TIMEOUT"), "\(result.stderr)")
    }

    /// A worker whose output is claude's stream-json, reporting 1200 tokens.
    static let tokenSpendingWorker = """
        change
        work_report
        echo '{"type":"result","subtype":"success","is_error":false,"result":"done","session_id":"s-1","total_cost_usd":0.5,"usage":{"input_tokens":600,"output_tokens":600}}'
        """

    @Test("--max-tokens stops the run cleanly at the next safe point (exit 2); --resume with a bigger budget approves")
    func tokenBudget() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: Self.tokenSpendingWorker, extra: ["parser: claude"])
        let bus = Bus(repo)

        let stopped = try await repo.run(["--max-tokens", "1000"])

        #expect(stopped.exitCode == 2, "\(stopped.output)")
        #expect(try bus.state["result"] as? String == "exhausted")
        let reason = try #require(try bus.state["reason"] as? String)
        #expect(reason.contains("token budget"), "\(reason)")
        #expect(!repo.exists(repo.scratchFile("reviewer_prompt_r1.txt")), "no dispatch after the budget ran out")
        let status = try await repo.loop("status", "--json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect((document["spent_tokens"] as? Int ?? 0) >= 1200, "\(document)")

        let resumed = try await repo.run(["--resume", "--max-tokens", "100000"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try bus.outcome["result"] as? String == "approved")
        #expect(try bus.rounds.count == 1, "the same round continues")
        #expect(try await repo.git("rev-list", "--count", "main..loop/T-1") == "1", "the worker's change is not redone")
    }

    @Test("--max-cost stops the run once the agents' reported cost reaches it, naming the budget")
    func costBudget() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: Self.tokenSpendingWorker, extra: ["parser: claude"])

        let stopped = try await repo.run(["--max-cost", "0.4"])

        #expect(stopped.exitCode == 2, "\(stopped.output)")
        let reason = try #require(try Bus(repo).state["reason"] as? String)
        #expect(reason.contains("cost budget of $0.40"), "\(reason)")
        #expect(!repo.exists(repo.scratchFile("reviewer_prompt_r1.txt")), "no dispatch after the budget ran out")
        let cost = try await repo.loop("cost", "--json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(cost.stdout.utf8)) as? [String: Any])
        #expect(abs((document["total_cost_usd"] as? Double ?? 0) - 0.5) < 1e-9, "\(document)")
    }

    @Test("--max-duration stops a run that ran out of time before the next dispatch")
    func durationBudget() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: "sleep 2\n" + AgentScript.goodWorker)

        let result = try await repo.run(["--max-duration", "1"])

        #expect(result.exitCode == 2, "\(result.output)")
        #expect((try Bus(repo).state["reason"] as? String)?.contains("duration budget") == true)
        #expect(!repo.exists(repo.scratchFile("reviewer_prompt_r1.txt")))
    }
}
