package import Foundation

/// Where a run is. `state.json` is the single source of truth between rounds.
package enum Phase: String, Codable, Sendable {
    case idle
    case working
    case verifying
    case reviewing
    case fixing
    case done
    case exhausted
    case failed
    case interrupted
    case paused
    /// Stopped by `loop stop` (`control.json`); `--resume` continues it.
    case stopped

    /// Terminal phases end a run; `--resume` continues only `failed`, `interrupted`, `paused`, `stopped`
    /// (and `exhausted` when given more rounds).
    package var isTerminal: Bool { [.done, .exhausted, .failed].contains(self) }
}

/// The final result of a run, as in `outcome.json`.
package enum RunResult: String, Codable, Sendable {
    case approved
    case exhausted
    case failed
    case interrupted
    case paused
    /// Ended by `loop stop` after a round (or during a pause); `--resume` continues it.
    case stopped

    package var exitCode: LoopExitCode {
        switch self {
        case .approved: .approved
        case .exhausted: .exhausted
        case .failed: .roundFailed
        case .interrupted: .interrupted
        case .paused: .pausedOnLimit
        case .stopped: .stopped
        }
    }
}

/// One dispatch of an agent: the id its report must echo, and its attempt number.
package struct DispatchRecord: Codable, Sendable, Equatable {
    package var runID: String
    package var backend: String
    package var attempt: Int
    package var startedAt: String
    package var finishedAt: String?
    package var exitStatus: String?
    package var sessionID: String?

    enum CodingKeys: String, CodingKey {
        case backend, attempt
        case runID = "run_id"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case exitStatus = "exit_status"
        case sessionID = "session_id"
    }

    package init(runID: String, backend: String, attempt: Int, startedAt: String) {
        self.runID = runID
        self.backend = backend
        self.attempt = attempt
        self.startedAt = startedAt
    }
}

/// One verify command's result as the run's evidence ledger keeps it (without the output,
/// which is in the round's archived `verify.json`).
package struct VerifyEvidence: Codable, Sendable, Equatable {
    package var command: String
    package var exitCode: Int32?
    package var passed: Bool
    package var durationS: Double
    package var tests: TestCounts?

    enum CodingKeys: String, CodingKey {
        case command, passed, tests
        case exitCode = "exit_code"
        case durationS = "duration_s"
    }

    package init(_ result: VerifyResult) {
        command = result.command
        exitCode = result.exitCode
        passed = result.passed
        durationS = result.durationS
        tests = result.tests
    }
}

/// What happened in one round.
package struct RoundRecord: Codable, Sendable, Equatable {
    package var round: Int
    package var startedAt: String
    package var finishedAt: String?
    package var baseSHA: String?
    package var headSHA: String?
    package var filesChanged: [String]
    package var uncommittedSecrets: [String]
    package var worker: DispatchRecord?
    package var reviewer: DispatchRecord?
    package var verifyPassed: Bool?
    /// The reviewer's decision (`approve`, `changes_required`), or `no_change` when there was nothing to review.
    package var decision: String?
    package var blockingIssues: Int?
    /// The round's verdict: reviewer approved, verification passed and nothing blocks.
    package var approved: Bool?
    /// The worker's report was made by the PM (the backend writes none).
    package var reportMadeByPM: Bool?
    /// The round made no progress: its head has the same tree as its base, and the same verify
    /// commands fail as before it. `max_stalled_rounds` such rounds in a row stop the run.
    package var stalled: Bool?
    /// The evidence ledger: every verify command of the round with its exit code, duration
    /// and test counts.
    package var verify: [VerifyEvidence]?
    /// Why the worker ended its turn without finishing (`repeated_failure`, …), when it did.
    package var workerStopped: String?
    /// A card with lanes: each lane's progress this round (the resume point of the lane phase).
    package var lanes: [LaneRecord]?
    /// Blocking issues the lane phase found (a change outside owner paths, a dropped lane):
    /// they refuse approval and go to the fix list.
    package var laneIssues: [BlockingIssue]?

    enum CodingKeys: String, CodingKey {
        case round, worker, reviewer, decision, verify
        case stalled
        case workerStopped = "worker_stopped"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case baseSHA = "base_sha"
        case headSHA = "head_sha"
        case filesChanged = "files_changed"
        case uncommittedSecrets = "uncommitted_secrets"
        case verifyPassed = "verify_passed"
        case blockingIssues = "blocking_issues"
        case approved
        case reportMadeByPM = "report_made_by_pm"
        case lanes
        case laneIssues = "lane_issues"
    }

    package init(round: Int, startedAt: String) {
        self.round = round
        self.startedAt = startedAt
        filesChanged = []
        uncommittedSecrets = []
    }
}

/// `state.json`: written by the PM only, atomically, after every transition.
package struct RunState: Codable, Sendable, Equatable {
    package static let currentSchemaVersion = 1

    package var schemaVersion: Int
    package var taskID: String
    package var runID: String
    /// Set only by the transitions below (`advance(to:)`, `startNextRound()`, `finish`, `stop`, `reopen`).
    package private(set) var phase: Phase
    package var round: Int
    package var maxRounds: Int
    package var result: RunResult?
    /// The first real failure reason; never overwritten by later cleanup.
    package var reason: String?
    package var branch: String
    /// `worktree` or `in_place`.
    package var mode: String
    package var workdir: String
    package var baseSHA: String
    package var headSHA: String?
    package var startedAt: String
    package var updatedAt: String
    package var finishedAt: String?
    package var lastDecision: String?
    package var rounds: [RoundRecord]
    /// The task card path used for this run (so `--resume` reads the same card).
    package var taskPath: String
    /// The run's effective options (so resumed rounds behave the same).
    package var options: RunOptions
    /// Set while waiting out a usage limit: when the wait ends, and what the agent said.
    package var limitUntil: String?
    package var limitMessage: String?
    /// The phase a stopped run (failed, interrupted, paused) stopped in; `--resume` continues there.
    package var stoppedIn: Phase?
    /// `--in-place --allow-dirty`: paths that were already dirty; the PM never commits them.
    package var dirtyAtStart: [String]?
    /// Files the last verify run created or changed, with their content hash: left exactly as
    /// verify left them, they are evidence, not worker changes, and the PM does not commit them.
    package var verifyArtifacts: [String: String]?
    /// The verify commands' results at the run's base, before round 1: what already failed,
    /// and the test counts round 1 is compared against.
    package var baselineVerify: [VerifyEvidence]?
    /// Set when the run stopped because rounds made no progress (`needs_help.json` says more).
    package var needsHelp: Bool?
    /// Seconds the run was running before its current span: the spans that each ended when the
    /// run stopped (or its PM died) and were followed by a `--resume`. Nil in a new run and in
    /// a `state.json` written before the field existed (counted as 0).
    package var activeS: Double?
    /// When the current span started: the last `--resume`; nil = `started_at`.
    package var resumedAt: String?

    enum CodingKeys: String, CodingKey {
        case phase, round, result, reason, branch, mode, workdir, rounds, options
        case schemaVersion = "schema_version"
        case taskID = "task_id"
        case runID = "run_id"
        case maxRounds = "max_rounds"
        case baseSHA = "base_sha"
        case headSHA = "head_sha"
        case startedAt = "started_at"
        case updatedAt = "updated_at"
        case finishedAt = "finished_at"
        case lastDecision = "last_decision"
        case taskPath = "task_path"
        case limitUntil = "limit_until"
        case limitMessage = "limit_message"
        case stoppedIn = "stopped_in"
        case dirtyAtStart = "dirty_at_start"
        case verifyArtifacts = "verify_artifacts"
        case baselineVerify = "baseline_verify"
        case needsHelp = "needs_help"
        case activeS = "active_s"
        case resumedAt = "resumed_at"
    }

    package init(
        taskID: String, runID: String, maxRounds: Int, branch: String, mode: String, workdir: String,
        baseSHA: String, taskPath: String, options: RunOptions
    ) {
        schemaVersion = RunState.currentSchemaVersion
        self.taskID = taskID
        self.runID = runID
        phase = .working
        round = 1
        self.maxRounds = maxRounds
        self.branch = branch
        self.mode = mode
        self.workdir = workdir
        self.baseSHA = baseSHA
        let now = Timestamp.now()
        startedAt = now
        updatedAt = now
        rounds = []
        self.taskPath = taskPath
        self.options = options
    }

    /// The record of the current round, created when missing.
    package var currentRound: RoundRecord {
        get { rounds.last(where: { $0.round == round }) ?? RoundRecord(round: round, startedAt: Timestamp.now()) }
        set {
            if let index = rounds.lastIndex(where: { $0.round == newValue.round }) {
                rounds[index] = newValue
            } else {
                rounds.append(newValue)
            }
        }
    }

    /// The task card as it was when the run started: rounds judge against this copy, so an
    /// agent that edits the card on the bus cannot change what it is judged by.
    package func cardSnapshot(_ paths: BusPaths) -> String {
        "\(paths.archiveDirectory(task: taskID, run: runID))/task_card.json"
    }

    // MARK: - Time the run was running

    /// Seconds the run has been running: the earlier spans plus the current one so far. What
    /// `--max-duration` counts, so a run stopped at night and resumed in the morning is not
    /// over its budget for the hours it was not running.
    package func activeSeconds(now: Date = Date()) -> Double {
        let spanStart = Timestamp.parse(resumedAt ?? startedAt).map { now.timeIntervalSince($0) } ?? 0
        return (activeS ?? 0) + max(0, spanStart)
    }

    /// `--resume`: closes the span that ended with the run's last save (`updated_at`: the stop,
    /// or the last step a killed PM saved) and starts a new one now.
    package mutating func beginSpan(now: Date = Date()) {
        if let start = Timestamp.parse(resumedAt ?? startedAt), let end = Timestamp.parse(updatedAt) {
            activeS = (activeS ?? 0) + max(0, end.timeIntervalSince(start))
        }
        resumedAt = Timestamp.format(now)
    }

    /// Loads `state.json`; nil when there is none.
    package static func load(from path: String) throws -> RunState? {
        guard Filesystem.exists(path) else { return nil }
        let data = try Filesystem.read(path)
        do {
            return try JSONDecoder().decode(RunState.self, from: data)
        } catch let error as DecodingError {
            throw LoopError.invalidJSON(
                path: path,
                detail: "state.json cannot be read (\(FieldReader.describe(error, data: data))). "
                    + "Run `loop run --reset` to archive it and start over")
        }
    }

    /// Saves atomically, stamping `updated_at`.
    ///
    /// - Parameter durable: false for a save that only records progress inside a step (a
    ///   dispatch started or ended, a round's base read): still atomic against a crash, and
    ///   visible to every other process at once; only a power loss can take it back, and resume
    ///   then redoes that step from the last durable save.
    package mutating func save(to path: String, durable: Bool = true) throws {
        updatedAt = Timestamp.now()
        try AtomicFile.write(try JSONEncoder.bus.encode(self), to: path, durable: durable)
    }

    /// The state as the last file of a step written together (`AtomicFile.write(together:)`),
    /// stamping `updated_at`: the files before it are in place when it names the step done.
    package mutating func file(at path: String) throws -> AtomicFile.Item {
        updatedAt = Timestamp.now()
        return AtomicFile.Item(try JSONEncoder.bus.encode(self), to: path)
    }

    // MARK: - Transitions
    //
    // The phase is assigned only here. A round moves working → verifying → reviewing → fixing,
    // and fixing → the next round's working; a run can stop or finish from any phase.

    /// Whether a round may move from `phase` to `next`.
    package static func isLegal(from phase: Phase, to next: Phase) -> Bool {
        switch (phase, next) {
        case (.working, .verifying), (.verifying, .reviewing), (.reviewing, .fixing): true
        default: false
        }
    }

    /// Moves the round to its next phase; an illegal move is a round failure, never a silent jump.
    /// - Throws: `LoopError.roundFailed` naming both phases when the move is not a round's next step.
    package mutating func advance(to next: Phase) throws {
        guard RunState.isLegal(from: phase, to: next) else {
            throw LoopError.roundFailed("illegal phase transition from \(phase.rawValue) to \(next.rawValue)")
        }
        phase = next
    }

    /// Ends a round that did not finish the run: the next round starts working.
    /// - Throws: `LoopError.roundFailed` unless the round is in `fixing`.
    package mutating func startNextRound() throws {
        guard phase == .fixing else {
            throw LoopError.roundFailed("illegal phase transition from \(phase.rawValue) to the next round")
        }
        round += 1
        phase = .working
    }

    /// Ends the run at the end of a round: approved (`done`) or out of rounds (`exhausted`).
    /// A finished run is not resumed where it stopped, so no `stopped_in` is kept.
    /// - Parameter reason: the reason to record; nil keeps the one already there.
    package mutating func finish(_ result: RunResult, reason: String? = nil) {
        phase = RunState.phase(for: result)
        self.result = result
        if let reason { self.reason = reason }
        finishedAt = Timestamp.now()
    }

    /// Stops a run mid-round (failed, out of budget, interrupted, paused), remembering the
    /// phase it stopped in so `--resume` continues there. The first real reason is kept.
    /// A failure or a spent budget ends the run (`finished_at`); a pause or interruption waits
    /// for `--resume`.
    package mutating func stop(_ result: RunResult, reason: String) {
        if [.working, .verifying, .reviewing, .fixing].contains(phase) { stoppedIn = phase }
        phase = RunState.phase(for: result)
        self.result = result
        if self.reason == nil { self.reason = reason }
        if result == .failed || result == .exhausted { finishedAt = Timestamp.now() }
    }

    /// Records a failure, keeping the first real reason.
    package mutating func fail(_ reason: String) {
        stop(.failed, reason: reason)
    }

    /// `--resume`: the run continues in `phase` (where it stopped, or the next round's
    /// `working`), with its stop forgotten.
    package mutating func reopen(in phase: Phase) {
        self.phase = phase
        result = nil
        reason = nil
        stoppedIn = nil
        finishedAt = nil
        limitUntil = nil
    }

    /// The phase a run with `result` ends in.
    static func phase(for result: RunResult) -> Phase {
        switch result {
        case .approved: .done
        case .exhausted: .exhausted
        case .failed: .failed
        case .interrupted: .interrupted
        case .paused: .paused
        case .stopped: .stopped
        }
    }
}
