import Foundation

extension RoundEngine {
    func identity(_ dispatchID: String) -> ReportIdentity {
        ReportIdentity(taskID: state.taskID, round: state.round, runID: dispatchID)
    }

    func promptPath(_ role: Role) -> String { paths.prompt(role) }

    // MARK: - Worker

    /// A valid work report for a dispatch of this round (or one made by the PM from git).
    func obtainWorkReport() async throws -> WorkReport {
        if let record = state.currentRound.worker,
            case .valid(let report) = ReportReader.checkWork(paths.workReport, expecting: identity(record.runID))
        {
            console.info("round \(state.round) · using the worker report already written for \(record.runID)")
            return report
        }
        let fixes = currentFixes()
        let history = historyLines()
        let baselineFailures = baselineFailures()
        let changeSummary = currentFixList()?.changeSummary
        return try await dispatchUntilReport(
            role: .worker,
            prompt: { id in
                PromptBuilder(templates: self.context.templates, repository: self.context.repository).prompt(
                    for: .worker,
                    PromptInputs(
                        card: self.context.card, round: self.state.round, runID: id, workdir: self.state.workdir,
                        paths: self.paths, fixes: fixes, history: history, baselineFailures: baselineFailures,
                        changeSummary: changeSummary))
            },
            check: { id in ReportReader.checkWork(self.paths.workReport, expecting: self.identity(id)) },
            synthesis: DispatchLoop.Synthesis(
                make: { result, id in try await self.madeByPM(result, dispatchID: id) },
                workdirUnchanged: { await self.workdirUnchanged() }))
    }

    /// The work report the PM writes for backends that write none (aider, mini): facts from
    /// git and the agent's final message, marked as made by the PM.
    private func madeByPM(_ result: DispatchResult, dispatchID: String) async throws -> WorkReport {
        let head = await workdirGit.head() ?? ""
        let base = state.currentRound.baseSHA ?? state.baseSHA
        var files = (try? await workdirGit.changedFiles(from: base, to: head)) ?? []
        files += (try? await workdirGit.changedPaths(excluding: busExclusions)) ?? []
        let notes = Verifier.bounded(result.finalMessage ?? result.outputTail, keep: 2000)
        let report = WorkReport(
            taskID: state.taskID, round: state.round, runID: dispatchID, headSHA: head,
            filesChanged: Array(Set(files)).sorted(), notes: notes, tests: [], madeByPM: true,
            backend: options.workerBackend)
        try report.write(to: paths.workReport)
        return report
    }

    /// True when the workdir is exactly as the round started: the same head, and nothing
    /// uncommitted but what verify left.
    func workdirUnchanged() async -> Bool {
        guard let head = await workdirGit.head(), head == (state.currentRound.baseSHA ?? state.baseSHA),
            let dirty = try? await workdirGit.changedPaths(excluding: busExclusions)
        else { return false }
        let artifacts = state.verifyArtifacts ?? [:]
        return dirty.allSatisfy { artifacts[$0] != nil }
    }

    /// Paths (relative to the workdir) the PM never commits: the bus itself when it lives there.
    var busExclusions: [String] {
        let prefix = state.workdir.hasSuffix("/") ? state.workdir : state.workdir + "/"
        guard paths.root.hasPrefix(prefix) else { return [] }
        return [String(paths.root.dropFirst(prefix.count))]
    }

    // MARK: - The dispatch loop

    /// The task's own worker or reviewer as a dispatch target.
    func target(for role: Role) -> DispatchTarget {
        DispatchTarget(
            role: role, backend: options.backend(for: role), model: options.model(for: role), workdir: state.workdir,
            reportPath: role == .worker ? paths.workReport : paths.reviewReport, promptPath: promptPath(role),
            logPath: paths.roundLog(task: state.taskID, round: state.round, role: role.rawValue),
            heartbeatPath: paths.heartbeat(role.rawValue))
    }

    /// Dispatches `role` until a valid report arrives (see `DispatchLoop`), recording each
    /// dispatch in this round's state.
    func dispatchUntilReport<Report: Sendable>(
        role: Role, prompt: (String) -> String, check: (String) -> ReportCheck<Report>,
        synthesis: DispatchLoop<Report>.Synthesis? = nil,
        beforeDispatch: ((String) throws -> Void)? = nil
    ) async throws -> Report {
        let loop = DispatchLoop<Report>(
            target: target(for: role), context: context, options: options, taskID: state.taskID,
            runID: state.runID, round: state.round, events: events, archive: archive, observer: self,
            previousAttempts: (role == .worker ? state.currentRound.worker : state.currentRound.reviewer)?.attempt ?? 0)
        return try await loop.run(prompt: prompt, check: check, synthesis: synthesis, beforeDispatch: beforeDispatch)
    }
}

/// The engine keeps the task's worker and reviewer dispatches in `state.currentRound`.
extension RoundEngine: DispatchObserver {
    func checkBudget() async throws {
        try checkBudgetNow()
    }

    func durationLeft() async -> Double? {
        Budget(options: options).durationLeft(state: state)
    }

    func agentEnvironment() async -> [String: String] {
        agentEnvironmentNow()
    }

    /// Dispatch records are progress inside a step, saved atomically but not durably: a
    /// power loss that takes one back leaves the round in its phase without it, and resume
    /// dispatches again (a report from the lost dispatch carries an id no record names, so it
    /// is never taken for the new one's).
    ///
    /// A dispatch that ended cleanly is not saved at its end at all: the step's next save
    /// (`worker_finished`, `round_decided`, or a retry's `dispatch_started`) follows within
    /// milliseconds and carries its end; the event is in events.jsonl at once. A crash in
    /// between loses only the end time: resume finds the recorded dispatch and its report.
    func dispatchStarted(_ dispatch: DispatchRecord, target: DispatchTarget) async throws {
        var record = state.currentRound
        if target.role == .worker { record.worker = dispatch } else { record.reviewer = dispatch }
        state.currentRound = record
        try transition(
            "dispatch_started",
            [
                "role": .string(target.role.rawValue), "dispatch_id": .string(dispatch.runID),
                "attempt": .number(Double(dispatch.attempt)),
            ], durable: false)
    }

    func dispatchFinished(_ result: DispatchResult, target: DispatchTarget) async throws {
        var record = state.currentRound
        var dispatch = target.role == .worker ? record.worker : record.reviewer
        dispatch?.finishedAt = Timestamp.now()
        dispatch?.exitStatus = result.endDescription
        dispatch?.sessionID = result.sessionID
        if target.role == .worker { record.worker = dispatch } else { record.reviewer = dispatch }
        state.currentRound = record
        let fields: [String: JSONValue] = [
            "role": .string(target.role.rawValue), "dispatch_id": .string(dispatch?.runID ?? ""),
            "end": .string(result.endDescription),
        ]
        if result.succeeded, result.rateLimit == nil {
            recordUnsaved(event: "dispatch_finished", fields)
        } else {
            try transition("dispatch_finished", fields, durable: false)
        }
    }

    func limitHit(until: Date, message: String, willWait: Bool, target: DispatchTarget) async throws {
        state.limitUntil = Timestamp.format(until)
        state.limitMessage = message
        // Without a wait the run pauses: `run` saves state with the limit as it stops.
        guard willWait else { return }
        try transition(
            "limit_wait",
            [
                "role": .string(target.role.rawValue), "until": .string(Timestamp.format(until)),
                "message": .string(message),
            ])
    }

    func limitWaitOver(target: DispatchTarget) async throws {
        state.limitUntil = nil
        state.limitMessage = nil
        try transition("limit_wait_over", ["role": .string(target.role.rawValue)])
    }
}
