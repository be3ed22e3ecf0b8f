import Foundation
import LoopCore
import LoopTestSupport

/// A run a crash is injected into, and how a user gets it to the end afterwards.
enum CrashScenario: String, Sendable, CaseIterable {
    /// Changes required in round 1, approved in round 2 (verify passes).
    case twoRounds = "two-rounds"
    /// As `twoRounds`, but the worker backend writes no report: the PM writes `work_report.json`.
    case pmMadeReport = "pm-made-report"
    /// As `twoRounds`, but the first worker dispatch hits a usage limit (1 s wait).
    case usageLimit = "usage-limit"
    /// Rejected in rounds 1–2 with `max_rounds: 2` (exhausted), then `--resume --max-rounds 3` approves.
    case exhausted = "exhausted-then-extended"

    func setUp(_ box: TestRepo) throws {
        switch self {
        case .twoRounds:
            try box.writeCard(verify: ["test -s work.txt"])
            try box.useAgents(worker: AgentScript.goodWorker, reviewer: AgentScript.rejectOnce)
        case .pmMadeReport:
            try box.writeCard(verify: ["test -s work.txt"])
            try box.useAgents(worker: "change", reviewer: AgentScript.rejectOnce, workerExtra: ["writes_report: false"])
        case .usageLimit:
            try box.writeCard(verify: ["test -s work.txt"])
            try box.setOption("limit_wait_max", "1")
            try box.useAgents(
                worker: """
                    if [ "$(attempt limit)" -eq 1 ]; then echo "usage limit reached for this account"; exit 1; fi
                    change
                    work_report
                    """, reviewer: AgentScript.rejectOnce, workerExtra: [#"rate_limit_pattern: "usage limit reached""#])
        case .exhausted:
            try box.writeCard(verify: ["test -s work.txt"], extra: #""max_rounds": 2"#)
            try box.useAgents(worker: AgentScript.goodWorker, reviewer: AgentScript.rejectUntil(round: 3))
        }
    }

    /// Exit code of the first `loop run` when nothing goes wrong.
    var cleanExit: Int32 { self == .exhausted ? 2 : 0 }

    /// What a user runs to continue a stopped run of this scenario.
    var resumeArguments: [String] { self == .exhausted ? ["run", "--resume", "--max-rounds", "3"] : ["run", "--resume"] }

    /// The scenario run without any fault, to compare with.
    struct Baseline: Sendable {
        var commits: Int
        var rounds: Int
        /// Archive file names of the run (`stale/` left out).
        var archive: [String]
    }

    private static let baselines = Locked<[CrashScenario: Baseline]>([:])

    /// The clean run of this scenario (made once per test process).
    func baseline() async throws -> Baseline {
        if let known = Self.baselines.value[self] { return known }
        let box = try await TestRepo.make(agents: .runEveryLine)
        try setUp(box)
        let first = try await box.run()
        guard first.exitCode == cleanExit else { throw SetupFailure("clean \(rawValue) run exited \(first.exitCode): \(first.output)") }
        if cleanExit != 0 {
            let resumed = try await box.loop(resumeArguments)
            guard resumed.exitCode == 0 else { throw SetupFailure("clean \(rawValue) resume exited \(resumed.exitCode): \(resumed.output)") }
        }
        let audit = Bus(box)
        guard let runID = audit.runID else { throw SetupFailure("clean \(rawValue) run left no run id") }
        let baseline = Baseline(
            commits: try await box.taskCommits(),
            rounds: (try audit.state["rounds"] as? [Any])?.count ?? 0,
            archive: audit.archivedFiles(run: runID).filter { !$0.hasPrefix("stale/") })
        Self.baselines.withLock { $0[self] = baseline }
        return baseline
    }
}
