import Foundation
import LoopTestSupport
import Testing

/// The round flow of `loop run` with scripted agents: approval, fix lists, exhaustion, verify.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RunFlowTests {
    @Test("a reviewer approval in round 1 ends the run with exit 0 and a full outcome")
    func approveInRoundOne() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        let bus = Bus(repo)

        let result = try await repo.run()

        #expect(result.exitCode == 0, "\(result.output)")
        let outcome = try bus.outcome
        #expect(outcome["result"] as? String == "approved")
        #expect(outcome["rounds"] as? Int == 1)
        #expect(outcome["task_id"] as? String == "T-1")
        #expect(outcome["exit_code"] as? Int == 0)
        #expect(outcome["branch"] as? String == "loop/T-1")
        #expect(outcome["duration_s"] is Double || outcome["duration_s"] is Int)
        let runID = try #require(outcome["run_id"] as? String)
        let head = try #require(outcome["head_sha"] as? String)
        // The merge command names the approved commit, not the branch (whose tip may move later).
        #expect(outcome["merge_sha"] as? String == head)
        #expect(outcome["merge_command"] as? String == "git merge \(head)")
        // The change is a commit on the task branch, made by the PM from what the worker left.
        #expect(try await repo.git("rev-parse", "loop/T-1") == head)
        #expect(try await repo.git("show", "loop/T-1:work.txt").contains("round 1"))
        let state = try bus.state
        #expect(state["phase"] as? String == "done")
        #expect(state["result"] as? String == "approved")
        #expect(state["run_id"] as? String == runID)
        let archive = bus.archiveFolder(run: runID)
        for name in ["task_card.json", "work_report.json", "review_request.json", "review_report.json", "state.json",
                     "worker_prompt.txt", "reviewer_prompt.txt"] {
            #expect(bus.exists("\(archive)/r1_\(name)"), "archive lacks r1_\(name)")
        }
        #expect(bus.exists("logs/T-1/r1_worker.log"))
        #expect(bus.exists("logs/T-1/r1_reviewer.log"))
        #expect(bus.exists("usage.jsonl"))
        #expect(try bus.eventNames.contains("run_approved"))
        #expect(bus.tornFiles().isEmpty, "torn: \(bus.tornFiles())")
    }

    @Test("changes required in round 1 reach the round-2 worker prompt as a fix list, then approval")
    func rejectThenApprove() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(reviewer: AgentScript.rejectOnceThenApprove(marker: "ISSUE-7781 greeting lacks a name"))
        let bus = Bus(repo)

        let result = try await repo.run()

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try bus.outcome["rounds"] as? Int == 2)
        let firstPrompt = try repo.read(repo.scratchFile("worker_prompt_r1.txt"))
        let secondPrompt = try repo.read(repo.scratchFile("worker_prompt_r2.txt"))
        #expect(!firstPrompt.contains("FIX LIST"))
        #expect(secondPrompt.contains("=== FIX LIST (round 2)"))
        #expect(secondPrompt.contains("ISSUE-7781 greeting lacks a name"))
        let fixList = try bus.object("fix_list.json")
        #expect(fixList["round"] as? Int == 2)
        let fixes = try #require(fixList["fixes"] as? [[String: Any]])
        #expect(fixes.contains { ($0["reason"] as? String)?.contains("ISSUE-7781") == true })
        let runID = try #require(try bus.outcome["run_id"] as? String)
        #expect(bus.exists("\(bus.archiveFolder(run: runID))/r2_fix_list.json"))
        let rounds = try bus.rounds
        #expect(rounds.count == 2)
        #expect(rounds.first?["decision"] as? String == "changes_required")
        #expect(rounds.first?["approved"] as? Bool == false)
        #expect(rounds.last?["approved"] as? Bool == true)
        // Each round's worker change is its own commit on the task branch.
        #expect(try await repo.git("rev-list", "--count", "main..loop/T-1") == "2")
    }

    @Test("a reviewer that never approves exhausts the rounds: exit 2, outcome exhausted")
    func roundsExhausted() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(reviewer: AgentScript.alwaysReject)
        let bus = Bus(repo)

        let result = try await repo.run(["--max-rounds", "2"])

        #expect(result.exitCode == 2, "\(result.output)")
        let outcome = try bus.outcome
        #expect(outcome["result"] as? String == "exhausted")
        #expect(outcome["rounds"] as? Int == 2)
        #expect(outcome["exit_code"] as? Int == 2)
        #expect(try bus.state["phase"] as? String == "exhausted")
        #expect(try bus.rounds.allSatisfy { $0["approved"] as? Bool == false })
        #expect(!bus.exists(repo.scratchFile("worker_prompt_r3.txt")), "no third round may start")
        #expect(try bus.text("fix_list.json").contains("still not good in round 2"))
    }

    @Test("a failing verify command overrides the reviewer's approval and lands in the next fix list")
    func verifyFailureOverridesApproval() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(verify: ["test -f ok.txt"])
        // The worker makes ok.txt only in round 2; the reviewer approves every round.
        try repo.useAgents(
            worker: """
                keep_prompt
                change
                if [ "$LOOP_ROUND" -ge 2 ]; then echo ok >"$LOOP_WORKDIR/ok.txt"; fi
                work_report
                """)
        let bus = Bus(repo)

        let result = try await repo.run(["--max-rounds", "3"])

        #expect(result.exitCode == 0, "\(result.output)")
        let rounds = try bus.rounds
        try #require(rounds.count == 2)
        #expect(rounds[0]["decision"] as? String == "approve")
        #expect(rounds[0]["verify_passed"] as? Bool == false)
        #expect(rounds[0]["approved"] as? Bool == false)
        #expect(rounds[1]["verify_passed"] as? Bool == true)
        #expect(rounds[1]["approved"] as? Bool == true)
        let fixList = try bus.text("fix_list.json")
        #expect(fixList.contains("test -f ok.txt"))
        #expect(try repo.read(repo.scratchFile("worker_prompt_r2.txt")).contains("test -f ok.txt"))
        // The reviewer of round 1 was told verification failed.
        let runID = try #require(try bus.outcome["run_id"] as? String)
        let request = try bus.object("\(bus.archiveFolder(run: runID))/r1_review_request.json")
        #expect(request["verification_passed"] as? Bool == false)
    }

    @Test("a verify failure with one round left is not approved: exit 2")
    func verifyFailureInLastRound() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(verify: ["false"])
        try repo.useAgents()
        let bus = Bus(repo)

        let result = try await repo.run(["--max-rounds", "1"])

        #expect(result.exitCode == 2, "\(result.output)")
        #expect(try bus.outcome["result"] as? String == "exhausted")
        #expect(try bus.rounds.first?["decision"] as? String == "approve")
        #expect(try bus.rounds.first?["approved"] as? Bool == false)
    }

    @Test(
        "files a verify command creates are not committed as the next round's worker change")
    func verifyArtifactsNotCommitted() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(verify: ["echo evidence >verify-output.txt"])
        try repo.useAgents(reviewer: AgentScript.rejectOnceThenApprove(marker: "one more round"))

        let result = try await repo.run()

        #expect(result.exitCode == 0, "\(result.output)")
        let files = try await repo.git("ls-tree", "-r", "--name-only", "loop/T-1")
        #expect(!files.contains("verify-output.txt"), "\(files)")
        #expect(try Bus(repo).rounds.last?["files_changed"] as? [String] == ["work.txt"])
    }
}
