import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// The PM's own evidence decides, not the agents' claims: approval is refused when a path the
/// card puts out of scope changed, when the test count drops, when new skips appear, or when
/// the branch moved after the review. A stuck or silent worker is a round, not a failure.
@Suite("Evidence and convergence", .serialized, .timeLimit(.minutes(3)))
struct EvidenceTests {
    /// A card for `T-1` with the given verify commands and out-of-scope paths.
    static func card(verify: [String], outOfScope: [String] = [], goal: String = "Fix calc.py") -> String {
        func list(_ items: [String]) -> String {
            "[" + items.map { "\"\($0.replacingOccurrences(of: "\"", with: "\\\""))\"" }.joined(separator: ", ") + "]"
        }
        return """
            {"task_id": "T-1", "goal": "\(goal)", "in_scope": ["calc.py"], "out_of_scope": \(list(outOfScope)),
             "acceptance_criteria": ["tests pass"], "constraints": [], "verify": \(list(verify))}
            """
    }

    /// A committed shell "test runner" that prints a plain `N passed, N failed, N skipped` line.
    static let shellRunner = """
        #!/usr/bin/env bash
        # Counts lines of tests.txt: "ok" passes, "skip" is skipped, anything else fails.
        p=0; f=0; s=0
        while read -r t; do case "$t" in ok) p=$((p+1));; skip) s=$((s+1));; *) f=$((f+1));; esac; done < tests.txt
        echo "$p passed, $f failed, $s skipped"
        [ "$f" -eq 0 ]
        """

    static func repoWithRunner(tests: String, outOfScope: [String] = []) async throws -> TestRepo {
        let repo = try await TestRepo.make()
        try repo.write("run_tests.sh", shellRunner)
        try repo.write("tests.txt", tests)
        try repo.write("calc.py", "x = 1\n")
        try await repo.git("add", "-A")
        try await repo.git("commit", "-q", "-m", "fixture")
        try repo.write(".loop/task_card.json", card(verify: ["bash run_tests.sh"], outOfScope: outOfScope))
        return repo
    }

    @Test("a worker that edits an out_of_scope path is not approved, whatever the reviewer says")
    func outOfScopeRefused() async throws {
        let repo = try await Self.repoWithRunner(tests: "ok\nfail\n", outOfScope: ["tests.txt", "docs/"])
        try repo.useAgents(
            worker: """
                keep_prompt
                printf 'ok\\nok\\n' > "$LOOP_WORKDIR/tests.txt"
                work_report
                """)

        let result = try await repo.run(["--max-rounds", "1"])

        #expect(result.exitCode == 2, "\(result.output)")
        let bus = Bus(repo)
        #expect(try bus.outcome["result"] as? String == "exhausted")
        let fixes = try #require(try bus.object("fix_list.json")["fixes"] as? [[String: Any]])
        #expect(fixes.contains { ($0["reason"] as? String)?.contains("tests.txt is out of scope") == true && $0["source"] as? String == "pm" })
        #expect(result.output.contains("tests.txt is out of scope"))
    }

    @Test("a dropped test count refuses approval; so does a new skip")
    func testCountAndSkips() async throws {
        for (label, edit, expected) in [
            ("drop", "printf 'ok\\nok\\n' > \"$LOOP_WORKDIR/tests.txt\"", "dropped from 3 to 2"),
            ("skip", "printf 'ok\\nok\\nskip\\n' > \"$LOOP_WORKDIR/tests.txt\"", "skips 1 test where the base skipped 0"),
        ] {
            let repo = try await Self.repoWithRunner(tests: "ok\nok\nfail\n")
            try repo.useAgents(worker: "keep_prompt\n\(edit)\nwork_report")

            let result = try await repo.run(["--max-rounds", "1"])

            #expect(result.exitCode == 2, "\(label): \(result.output)")
            let fixes = try #require(try Bus(repo).object("fix_list.json")["fixes"] as? [[String: Any]])
            #expect(fixes.contains { ($0["reason"] as? String)?.contains(expected) == true }, "\(label): \(fixes)")
            let state = try Bus(repo).state
            let baseline = try #require(state["baseline_verify"] as? [[String: Any]])
            #expect((baseline.first?["tests"] as? [String: Any])?["failed"] as? Int == 1, "\(label): baseline counts")
        }
    }

    @Test("a fixed test that keeps the count is approved, and the evidence ledger has the counts")
    func honestFixApproved() async throws {
        let repo = try await Self.repoWithRunner(tests: "ok\nok\nfail\n")
        try repo.useAgents(worker: "keep_prompt\nprintf 'ok\\nok\\nok\\n' > \"$LOOP_WORKDIR/tests.txt\"\nwork_report")

        let result = try await repo.run(["--max-rounds", "1"])

        #expect(result.exitCode == 0, "\(result.output)")
        let rounds = try #require(try Bus(repo).state["rounds"] as? [[String: Any]])
        let verify = try #require(rounds.first?["verify"] as? [[String: Any]])
        #expect(verify.first?["command"] as? String == "bash run_tests.sh")
        #expect(verify.first?["exit_code"] as? Int == 0)
        #expect(verify.first?["duration_s"] != nil)
        #expect((verify.first?["tests"] as? [String: Any])?["passed"] as? Int == 3)
        let prompt = try String(contentsOfFile: repo.scratchFile("worker_prompt_r1.txt"), encoding: .utf8)
        #expect(prompt.contains("Before your change, the PM ran them and these fail:"))
        #expect(prompt.contains("2 passed, 1 failed, 0 skipped"))
    }

    @Test("a commit added to the branch during the review is not approved; the next round reviews it")
    func strayCommitAfterReview() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(
            reviewer: """
                keep_prompt
                if [ "$LOOP_ROUND" -eq 1 ]; then
                    echo sneaky >> "$LOOP_WORKDIR/work.txt"
                    git -C "$LOOP_WORKDIR" commit -qam "unreviewed"
                fi
                review_report approve
                """)

        let result = try await repo.run(["--max-rounds", "2"])

        #expect(result.exitCode == 0, "\(result.output)")
        let bus = Bus(repo)
        let outcome = try bus.outcome
        #expect(outcome["rounds"] as? Int == 2, "round 1 was not approved")
        #expect(result.output.contains("was not reviewed"))
        let head = try #require(outcome["head_sha"] as? String)
        #expect(outcome["merge_sha"] as? String == head)
        #expect(try await repo.git("rev-parse", "loop/T-1") == head)
        #expect(try await repo.git("show", "\(head):work.txt").contains("sneaky"), "the stray commit was reviewed in round 2")
    }

    @Test("a private key pasted into a source file is not committed by the PM, and the review request names it")
    func secretByContentNotCommitted() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(
            worker: """
                keep_prompt
                change
                printf 'KEY = (\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n)\n' > "$LOOP_WORKDIR/config.py"
                printf 'token = "ghp_%s"\n' 0123456789abcdefghijABCDEFGHIJ012345 > "$LOOP_WORKDIR/settings.py"
                work_report
                """)

        let result = try await repo.run(["--max-rounds", "1"])

        #expect(result.exitCode == 0, "\(result.output)")
        let head = try #require(try Bus(repo).outcome["head_sha"] as? String)
        let committed = try await repo.git("show", "--name-only", "--format=", head)
        #expect(committed.contains("work.txt"))
        #expect(!committed.contains("config.py") && !committed.contains("settings.py"), "\(committed)")
        let runID = try #require(try Bus(repo).outcome["run_id"] as? String)
        let request = try Bus(repo).object("archive/T-1/\(runID)/r1_review_request.json")
        #expect(Set(request["uncommitted_secrets"] as? [String] ?? []) == ["config.py", "settings.py"])
    }

    @Test("a worker that exits 0 with no report and no change is a round, not a failed dispatch")
    func silentWorkerIsARound() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(verify: ["test -s work.txt"])
        try repo.useAgents(worker: "keep_prompt\nattempt worker >/dev/null\nexit 0")

        let result = try await repo.run(["--max-rounds", "2", "--max-stalled-rounds", "0"])

        #expect(result.exitCode == 2, "exhausted, not failed: \(result.output)")
        #expect(try String(contentsOfFile: repo.scratchFile("worker.count"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == "2",
            "one dispatch per round, no retries")
        let events = try Bus(repo).text("events.jsonl")
        #expect(!events.contains("dispatch_failed"))
        let fixes = try #require(try Bus(repo).object("fix_list.json")["fixes"] as? [[String: Any]])
        #expect(fixes.first?["source"] as? String == "verify", "failed verify first")
        #expect(fixes.contains { $0["reason"] as? String == "The worker made no change to the repository." })
    }

    @Test("a retried dispatch is told what the failed attempt did")
    func retryPromptNamesTheFailure() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(
            worker: """
                n=$(attempt worker)
                if [ "$n" -eq 1 ]; then cat >/dev/null; echo "boom: cannot find module frobnicate"; exit 1; fi
                keep_prompt
                change
                work_report
                """)

        let result = try await repo.run(["--max-rounds", "1"])

        #expect(result.exitCode == 0, "\(result.output)")
        let prompt = try String(contentsOfFile: repo.scratchFile("worker_prompt_r1.txt"), encoding: .utf8)
        #expect(prompt.contains("=== PREVIOUS ATTEMPT FAILED ==="))
        #expect(prompt.contains("boom: cannot find module frobnicate"))
    }

    @Test("round 2's reviewer sees each verify item of the last fix list marked resolved or unresolved")
    func reviewerMemory() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(verify: ["grep -q 'round 2' work.txt", "test -f never.txt"])
        try repo.useAgents(reviewer: AgentScript.alwaysReject)

        _ = try await repo.run(["--max-rounds", "2", "--max-stalled-rounds", "0"])

        let prompt = try String(contentsOfFile: repo.scratchFile("reviewer_prompt_r2.txt"), encoding: .utf8)
        #expect(prompt.contains("[RESOLVED: passes now] Verification command `grep -q 'round 2' work.txt` failed"))
        #expect(prompt.contains("[UNRESOLVED: still fails] Verification command `test -f never.txt` failed"))
        #expect(prompt.contains("[check whether it was fixed] work.txt: still not good in round 1"))
    }
}
