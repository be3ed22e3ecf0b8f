import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// A stuck built-in worker ends its turn, not the run: the round goes on to verify and the fix
/// list, the next round's worker is told what failed and what it got stuck on, and the run ends
/// as exhausted (exit 2), never as a failed round (exit 3).
@Suite("Convergence: a stuck built-in worker", .serialized, .timeLimit(.minutes(3)))
struct StuckWorkerTests {
    /// `loop run` with the fake model for both roles and a round budget.
    static func arguments(_ wire: FakeModel.Wire, rounds: Int) -> [String] {
        [
            "run", "--auto-dispatch", "--worker-backend", wire.rawValue, "--reviewer-backend", wire.rawValue,
            "--dispatch-retry-base-sec", "1", "--artifact-timeout", "2", "--max-rounds", String(rounds),
        ]
    }

    @Test("the same failing action three times: rounds go on, the fix list carries the stuck reason, exit 2")
    func stuckWorkerLoops() async throws {
        let model = try FakeModel(.openAI, workerActions: [FakeModel.Action("run", ["command": "greet.sh --shout"])])
        let box = try await TestRepo.make(agents: .runEveryLine)
        try box.writeCard(verify: ["test -s work.txt || { echo 'work.txt is missing or empty'; exit 1; }"])
        try FakeModel.Wire.openAI.configure(box)

        let result = try await box.loop(
            Self.arguments(.openAI, rounds: 3) + ["--max-stalled-rounds", "0"],
            environment: model.environment)

        #expect(result.exitCode == 2, "exhausted, not a failed round: \(result.output)")
        let bus = Bus(box)
        let outcome = try bus.object("outcome.json")
        #expect(outcome["result"] as? String == "exhausted")
        #expect(outcome["rounds"] as? Int == 3)
        let runID = try #require(outcome["run_id"] as? String)
        let archived = bus.archivedFiles(run: runID)
        for round in 1...3 {
            for file in ["work_report.json", "verify.json", "worker_prompt.txt", "state.json"] {
                #expect(archived.contains("r\(round)_\(file)"), "r\(round)_\(file) archived")
            }
        }
        // Round 1's worker stopped (not failed), with what it got stuck on.
        let report = try bus.object("archive/T-1/\(runID)/r1_work_report.json")
        #expect(report["status"] as? String == "stopped")
        #expect(report["stopped_reason"] as? String == "repeated_failure")
        #expect((report["stuck_on"] as? String)?.contains("greet.sh --shout") == true)
        // Round 2's prompt has the failing verify output and the stuck reason, in that order.
        let prompt = try bus.text("archive/T-1/\(runID)/r2_worker_prompt.txt")
        let verifyItem = try #require(prompt.range(of: "Verification command `test -s work.txt"))
        let stuckItem = try #require(prompt.range(of: "Last round the worker got stuck (repeated failure)"))
        #expect(verifyItem.lowerBound < stuckItem.lowerBound)
        #expect(prompt.contains("work.txt is missing or empty"))
        #expect(prompt.contains("No change so far"))
        // Round 1's prompt already had the base's failing verify output.
        let first = try bus.text("archive/T-1/\(runID)/r1_worker_prompt.txt")
        #expect(first.contains("Before your change, the PM ran them and these fail:"))
        #expect(first.contains("work.txt is missing or empty"))
        // Every worker dispatch was a single attempt: no retries of a deterministic mistake.
        let events = try bus.text("events.jsonl")
        #expect(!events.contains("\"dispatch_failed\""))
        #expect(!events.contains("\"round_failed\""))
    }

    @Test("rounds that change nothing stop as no progress after --max-stalled-rounds, with needs_help.json")
    func noProgressStops() async throws {
        let model = try FakeModel(.ollama, workerActions: [FakeModel.Action("run", ["command": "true"]), .finish("nothing to do")])
        let box = try await TestRepo.make(agents: .runEveryLine)
        try box.writeCard(verify: ["test -s work.txt"])
        try FakeModel.Wire.ollama.configure(box)

        let result = try await box.loop(
            Self.arguments(.ollama, rounds: 5),
            environment: model.environment)

        #expect(result.exitCode == 2, "\(result.output)")
        let bus = Bus(box)
        let outcome = try bus.object("outcome.json")
        #expect(outcome["rounds"] as? Int == 2, "stopped after 2 stalled rounds, not 5")
        #expect(outcome["needs_help"] as? Bool == true)
        #expect((outcome["reason"] as? String)?.hasPrefix("no progress: rounds 1–2 ended with the same tree") == true)
        let help = try bus.object("needs_help.json")
        #expect(help["reason"] as? String == "no_progress")
        #expect((help["question"] as? String)?.contains("`test -s work.txt` still fails") == true)
        let failing = try #require(help["failing"] as? [[String: Any]])
        #expect(failing.first?["command"] as? String == "test -s work.txt")
        #expect((help["tried"] as? [String])?.count == 2)
        let status = try await box.loop(["status"])
        #expect(status.stdout.contains("NEEDS HELP"))
        let json = try await box.loop(["status", "--json"])
        #expect(json.stdout.contains("\"needs_help\""))
    }
}
