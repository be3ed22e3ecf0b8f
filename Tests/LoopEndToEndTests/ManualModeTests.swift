import Foundation
import LoopTestSupport
import Testing

/// Without `--auto-dispatch` the PM writes prompts and waits for reports written by someone else.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ManualModeTests {
    /// The dispatch id the PM waits on for `role` in the current round, once it is waiting.
    private func awaitDispatch(_ role: String, _ bus: Bus) async throws -> String {
        var id: String?
        try await eventually("the PM waits for the \(role)") {
            let state = try? bus.state
            let round = (state?["rounds"] as? [[String: Any]])?.last
            id = (round?[role] as? [String: Any])?["run_id"] as? String
            return id != nil
        }
        return id ?? ""
    }

    private func writeAtomically(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    @Test("a person plays both roles: reports echoing the run_id from state.json are accepted, a stale one is not")
    func manualRoundApproved() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        let bus = Bus(repo)
        let pm = LoopProcess(["run", "--timeout", "60"], in: repo.path)

        let workerID = try await awaitDispatch("worker", bus)
        let workdir = try #require(try bus.state["workdir"] as? String)
        #expect(bus.exists("run/worker_prompt.txt"), "the prompt is on the bus for the person")
        try await eventually("the PM says what to write") { pm.outputSoFar.contains(workerID) }
        try "manual change\n".write(toFile: workdir + "/work.txt", atomically: true, encoding: .utf8)
        let head = try await repo.git(["rev-parse", "HEAD"], in: workdir)
        try writeAtomically(
            #"{"task_id": "T-1", "round": 1, "run_id": "\#(workerID)", "head_sha": "\#(head)", "files_changed": ["work.txt"], "tests": [], "notes": "by hand"}"#,
            to: bus.path("work_report.json"))

        let reviewerID = try await awaitDispatch("reviewer", bus)
        let request = try bus.object("review_request.json")
        #expect(request["run_id"] as? String == reviewerID)
        #expect((request["diff"] as? String)?.contains("manual change") == true)
        // A report for another dispatch first: set aside, never accepted.
        try writeAtomically(
            #"{"task_id": "T-1", "round": 1, "run_id": "\#(workerID)", "decision": "approve", "blocking_issues": [], "non_blocking_suggestions": []}"#,
            to: bus.path("review_report.json"))
        try await eventually("the stale review report is set aside") { !bus.exists("review_report.json") }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try bus.state["phase"] as? String == "reviewing")
        try writeAtomically(
            #"{"task_id": "T-1", "round": 1, "run_id": "\#(reviewerID)", "decision": "approve", "blocking_issues": [], "non_blocking_suggestions": []}"#,
            to: bus.path("review_report.json"))

        let result = try await pm.wait()

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try bus.outcome["result"] as? String == "approved")
        #expect(try await repo.git("show", "loop/T-1:work.txt") == "manual change")
        #expect(try bus.eventNames.contains("stale_report"))
    }

    @Test("in manual mode, no report within --timeout fails the round with exit 3 naming the report")
    func manualTimeout() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()

        let result = try await runLoop(["run", "--timeout", "1"], in: repo.path)

        #expect(result.exitCode == 3, "\(result.output)")
        let reason = try #require(try Bus(repo).outcome["reason"] as? String)
        #expect(reason.contains("work_report.json"), "\(reason)")
        #expect(reason.contains("--timeout"), "\(reason)")
    }
}
