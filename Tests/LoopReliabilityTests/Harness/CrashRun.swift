import Foundation
import LoopCore
import LoopTestSupport

/// One crash case: a scenario run with `LOOP_FAULT=<spec>`, then continued the way a user
/// would, then audited against the scenario's clean run.
struct CrashRun: Sendable {
    enum Recovery: String, Sendable {
        /// The fault left the run as a clean run leaves it (not reached, or after the last state save).
        case none = "none needed"
        /// `loop run --resume` continued the run.
        case resumed = "resume"
        /// The PM died before `state.json` existed; `--resume` rightly found nothing, a new `loop run` finished.
        case restarted = "restart"
    }

    var spec: String
    var scenario: CrashScenario
    var faultedExit: Int32 = 0
    /// The fault changed how the first run ended (it was visibly killed).
    var fired = false
    var recovery: Recovery = .none
    var recoveryExit: Int32 = 0
    /// Torn JSON right after the crash, before anything else ran.
    var tornAfterCrash: [String] = []
    /// Temp files right after the crash and after the recovery.
    var tempsAfterCrash: [String] = []
    var tempsAfterRecovery: [String] = []
    var problems: [String] = []
    var seconds = 0.0

    var passed: Bool { problems.isEmpty }

    /// Runs the case and audits the result.
    static func execute(spec: String, scenario: CrashScenario) async throws -> CrashRun {
        let started = ContinuousClock.now
        let baseline = try await scenario.baseline()
        var run = CrashRun(spec: spec, scenario: scenario)
        let box = try await TestRepo.make(agents: .runEveryLine)
        try scenario.setUp(box)
        let audit = Bus(box)

        let faulted = try await box.run(environment: ["LOOP_TESTING": "1", "LOOP_FAULT": spec])
        run.faultedExit = faulted.exitCode
        run.fired = faulted.exitCode != scenario.cleanExit
        run.tornAfterCrash = audit.tornFiles()
        run.tempsAfterCrash = audit.tempLeftovers()
        if !run.tornAfterCrash.isEmpty { run.problems.append("torn right after the crash: \(run.tornAfterCrash)") }

        if run.fired {
            // Anything the crashed run left must be gone or ended before the user continues.
            if audit.exists("state.json") {
                let resumed = try await box.loop(scenario.resumeArguments)
                run.recovery = .resumed
                run.recoveryExit = resumed.exitCode
                if resumed.exitCode != 0 { run.problems.append("--resume exited \(resumed.exitCode): \(tail(resumed.output))") }
            } else {
                let nothing = try await box.loop(["run", "--resume"])
                if nothing.exitCode != 1 || !nothing.output.contains("Nothing to resume") {
                    run.problems.append("--resume without state.json: exit \(nothing.exitCode): \(tail(nothing.output))")
                }
                var again = try await box.run()
                if again.exitCode == 2, scenario == .exhausted { again = try await box.loop(scenario.resumeArguments) }
                run.recovery = .restarted
                run.recoveryExit = again.exitCode
                if again.exitCode != 0 { run.problems.append("a new run after the crash exited \(again.exitCode): \(tail(again.output))") }
            }
        } else if scenario.cleanExit != 0 {
            let resumed = try await box.loop(scenario.resumeArguments)
            run.recoveryExit = resumed.exitCode
            if resumed.exitCode != 0 { run.problems.append("extending the exhausted run exited \(resumed.exitCode): \(tail(resumed.output))") }
        }
        run.tempsAfterRecovery = audit.tempLeftovers()
        run.problems += try await Self.auditFinished(box, audit: audit, baseline: baseline)
        run.seconds = (ContinuousClock.now - started).seconds
        return run
    }

    /// What must hold once the run is finished: approved, nothing torn or left in the bus
    /// root, every round archived, no duplicate commit, one consistent run id.
    static func auditFinished(_ box: TestRepo, audit: Bus, baseline: CrashScenario.Baseline) async throws -> [String] {
        var problems: [String] = []
        let torn = audit.tornFiles()
        if !torn.isEmpty { problems.append("torn JSON: \(torn)") }
        let rootTemps = audit.tempLeftovers().filter { !$0.contains("/") }
        if !rootTemps.isEmpty { problems.append("temp files left in the bus folder: \(rootTemps)") }
        guard let state = try? audit.state, let runID = state["run_id"] as? String else {
            return problems + ["state.json missing or unreadable at the end"]
        }
        if state["phase"] as? String != "done" { problems.append("final phase \(state["phase"] ?? "nil"), not done") }
        let outcome = try? audit.outcome
        if outcome?["result"] as? String != "approved" { problems.append("outcome result \(outcome?["result"] ?? "nil")") }
        if outcome?["run_id"] as? String != runID { problems.append("outcome run_id \(outcome?["run_id"] ?? "nil") is not state's \(runID)") }
        let rounds = state["rounds"] as? [[String: Any]] ?? []
        if rounds.count != baseline.rounds { problems.append("\(rounds.count) rounds recorded, a clean run records \(baseline.rounds)") }
        let archived = Set(audit.archivedFiles(run: runID))
        let missing = baseline.archive.filter { !archived.contains($0) }
        if !missing.isEmpty { problems.append("archive lacks \(missing)") }
        let commits = try await box.taskCommits()
        if commits != baseline.commits { problems.append("\(commits) commits on loop/T-1, a clean run makes \(baseline.commits)") }
        problems += audit.eventProblems(expectedRunIDs: [runID])
        // The approval is the last round's reviewer's, for its own dispatch.
        if let last = rounds.last {
            let reviewerID = (last["reviewer"] as? [String: Any])?["run_id"] as? String
            let round = last["round"] as? Int ?? 0
            let review = try? audit.object("archive/T-1/\(runID)/r\(round)_review_report.json")
            if review?["decision"] as? String != "approve" || review?["run_id"] as? String != reviewerID {
                problems.append("round \(round)'s archived review is not the approving report of dispatch \(reviewerID ?? "nil")")
            }
            if last["approved"] as? Bool != true { problems.append("last round not marked approved") }
        }
        return problems
    }

    /// The JSON line for the report.
    var record: [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        fields.put("spec", spec)
        fields.put("scenario", scenario.rawValue)
        fields.put("faulted_exit", faultedExit)
        fields.put("fired", fired)
        fields.put("recovery", recovery.rawValue)
        fields.put("recovery_exit", recoveryExit)
        fields.put("temps_after_crash", tempsAfterCrash)
        fields.put("temps_after_recovery", tempsAfterRecovery)
        fields.put("problems", problems)
        fields.put("seconds", seconds)
        return fields
    }
}

/// The last lines of some output, for a failure message.
func tail(_ text: String, lines: Int = 6) -> String {
    text.split(separator: "\n").suffix(lines).joined(separator: " | ")
}
