import Foundation

/// Keeps the run state while a stage's lane workers run at once: every lane event goes
/// through this one actor, which updates the lane's record and saves `state.json` (the resume
/// point), so concurrent lanes never write the state over each other.
///
/// The engine hands its state over when the stage's dispatches start and takes it back
/// (`state`) when they have ended, before it merges.
actor LaneBook: DispatchObserver {
    private(set) var state: RunState
    let paths: BusPaths
    let events: EventLog

    init(state: RunState, paths: BusPaths, events: EventLog) {
        self.state = state
        self.paths = paths
        self.events = events
    }

    func checkBudget() async throws {
        if let exceeded = RoundEngine.budgetExceeded(state: state, paths: paths) {
            throw LoopError.other(exceeded, .exhausted)
        }
    }

    func durationLeft() async -> Double? {
        Budget(options: state.options).durationLeft(state: state)
    }

    func agentEnvironment() async -> [String: String] {
        RoundEngine.agentEnvironment(state: state, paths: paths)
    }

    func dispatchStarted(_ dispatch: DispatchRecord, target: DispatchTarget) async throws {
        let fields: [String: JSONValue] = [
            "dispatch_id": .string(dispatch.runID), "attempt": .number(Double(dispatch.attempt)),
        ]
        if target.role == .reviewer {
            try update(target, "lane_review_started", fields) { $0.review = dispatch }
            return
        }
        try update(target, "lane_dispatch_started", fields) {
            $0.status = .working
            $0.dispatch = dispatch
        }
    }

    func dispatchFinished(_ result: DispatchResult, target: DispatchTarget) async throws {
        let event = target.role == .reviewer ? "lane_review_finished" : "lane_dispatch_finished"
        try update(target, event, ["end": .string(result.endDescription)]) {
            if target.role == .reviewer {
                $0.review?.finishedAt = Timestamp.now()
                $0.review?.exitStatus = result.endDescription
                $0.review?.sessionID = result.sessionID
            } else {
                $0.dispatch?.finishedAt = Timestamp.now()
                $0.dispatch?.exitStatus = result.endDescription
                $0.dispatch?.sessionID = result.sessionID
            }
        }
    }

    func limitHit(until: Date, message: String, willWait: Bool, target: DispatchTarget) async throws {
        state.limitUntil = Timestamp.format(until)
        state.limitMessage = message
        guard willWait else { return }
        try save("limit_wait", target, ["until": .string(Timestamp.format(until)), "message": .string(message)])
    }

    func limitWaitOver(target: DispatchTarget) async throws {
        state.limitUntil = nil
        state.limitMessage = nil
        try save("limit_wait_over", target, [:])
    }

    /// A lane worker's report is valid: the lane waits for its merge.
    func finish(_ laneID: String, with report: WorkReport) throws {
        try update(laneID: laneID, "lane_reported", role: .worker, [:]) { $0.status = .reported }
    }

    /// A lane reviewer's report is valid: its decision and blocking issues (for the fix list).
    func finishReview(_ laneID: String, with report: ReviewReport) throws {
        let issues = LaneReviewJob.issues(from: report, lane: laneID)
        try update(laneID: laneID, "lane_reviewed", role: .reviewer, ["decision": .string(report.decision.rawValue)]) {
            $0.reviewDecision = report.decision.rawValue
            $0.reviewIssues = issues
        }
    }

    /// Changes one lane's record, saves state and records the event (with its fault point).
    private func update(
        _ target: DispatchTarget, _ event: String, _ fields: [String: JSONValue], _ change: (inout LaneRecord) -> Void
    ) throws {
        try update(laneID: target.laneID, event, role: target.role, fields, change)
    }

    private func update(
        laneID: String?, _ event: String, role: Role, _ fields: [String: JSONValue],
        _ change: (inout LaneRecord) -> Void
    ) throws {
        var record = state.currentRound
        if var lanes = record.lanes, let index = lanes.firstIndex(where: { $0.laneID == laneID }) {
            change(&lanes[index])
            record.lanes = lanes
            state.currentRound = record
        }
        try save(event, laneID: laneID, role: role, fields)
    }

    private func save(_ event: String, _ target: DispatchTarget, _ fields: [String: JSONValue]) throws {
        try save(event, laneID: target.laneID, role: target.role, fields)
    }

    private func save(_ event: String, laneID: String?, role: Role, _ fields: [String: JSONValue]) throws {
        try state.save(to: paths.state)
        var all = fields
        all["phase"] = .string(state.phase.rawValue)
        all["role"] = .string(role.rawValue)
        if let laneID { all["lane_id"] = .string(laneID) }
        events.record(event, round: state.round, all)
        FaultInjection.hit("state.\(event)")
    }
}
