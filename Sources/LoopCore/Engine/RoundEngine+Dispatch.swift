import Foundation

extension RoundEngine {
    /// A fresh id for one dispatch: the report must echo it, so nothing written for an
    /// earlier attempt, round or run can ever be accepted.
    func dispatchID(role: Role, attempt: Int) -> String {
        let nonce = String(UInt32.random(in: 0 ... .max), radix: 16)
        return "\(state.runID).r\(state.round).\(role.rawValue)\(attempt)-\(nonce)"
    }

    func identity(_ dispatchID: String) -> ReportIdentity {
        ReportIdentity(taskID: state.taskID, round: state.round, runID: dispatchID)
    }

    /// Whether the report file at a path is a valid report for `dispatchID`.
    func isCurrentReport(_ role: Role, _ dispatchID: String) -> (String) -> Bool {
        let expected = identity(dispatchID)
        return { path in
            switch role {
            case .worker:
                if case .valid = ReportReader.checkWork(path, expecting: expected) { return true }
            case .reviewer:
                if case .valid = ReportReader.checkReview(path, expecting: expected) { return true }
            }
            return false
        }
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
            synthesize: { result, id in try await self.madeByPM(result, dispatchID: id) })
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

    /// Dispatches `role` until a valid report arrives, retrying failures with backoff and
    /// waiting out usage limits; in manual mode, waits for a report written by someone else.
    func dispatchUntilReport<Report: Sendable>(
        role: Role, prompt: (String) -> String, check: (String) -> ReportCheck<Report>,
        synthesize: ((DispatchResult, String) async throws -> Report)? = nil,
        beforeDispatch: ((String) throws -> Void)? = nil
    ) async throws -> Report {
        let backend = options.backend(for: role)
        var attempt = (role == .worker ? state.currentRound.worker : state.currentRound.reviewer)?.attempt ?? 0
        var failures = 0
        var limitWaits = 0
        // What the last failed attempt did, appended to the next attempt's prompt: a retry
        // must not repeat a deterministic mistake blindly.
        var retryNote = ""
        while true {
            try Task.checkCancellation()
            try checkBudget()
            attempt += 1
            let id = dispatchID(role: role, attempt: attempt)
            try setAsideExistingReport(role)
            try beforeDispatch?(id)
            let text = prompt(id) + retryNote
            try AtomicFile.write(text, to: promptPath(role), durable: false)
            var record = state.currentRound
            let dispatch = DispatchRecord(
                runID: id, backend: options.autoDispatch ? backend : "manual", attempt: attempt,
                startedAt: Timestamp.now())
            if role == .worker { record.worker = dispatch } else { record.reviewer = dispatch }
            state.currentRound = record
            try transition(
                "dispatch_started",
                ["role": .string(role.rawValue), "dispatch_id": .string(id), "attempt": .number(Double(attempt))])

            guard options.autoDispatch else {
                return try await waitForManualReport(role: role, dispatchID: id, check: check)
            }
            console.info("round \(state.round) · \(role.rawValue) (\(backend)) started · attempt \(attempt)")
            // Absolute: the hint must work from any folder (`loop demo` runs in its own repository).
            let log = paths.roundLog(task: state.taskID, round: state.round, role: role.rawValue)
            console.info("  follow it: tail -f \(log)")
            let result = try await runDispatch(role: role, backend: backend, dispatchID: id, prompt: text)
            // Helpers the agent left behind may still deliver its report within the artifact
            // wait; after that wait, nothing of this dispatch may keep running.
            defer { reapLeftovers(of: id, group: result.processGroup) }
            recordFinished(role: role, result: result)
            try transition(
                "dispatch_finished",
                ["role": .string(role.rawValue), "dispatch_id": .string(id), "end": .string(result.endDescription)])
            if result.end == .cancelled { throw CancellationError() }

            if let limit = result.rateLimit {
                limitWaits += 1
                attempt -= 1  // A usage limit is not a failed attempt.
                try await waitOutLimit(limit, role: role, waits: limitWaits)
                continue
            }
            let reason: String
            if let synthesize, !context.dispatcher.writesReport(backend: backend) {
                if result.succeeded { return try await synthesize(result, id) }
                reason = "\(backend) \(result.endDescription)"
            } else {
                let grace = result.succeeded ? options.artifactTimeout : 1
                switch await awaitReport(role: role, dispatchID: id, within: grace, check: check) {
                case .valid(let report):
                    if !result.succeeded {
                        console.warn("\(role.rawValue) \(result.endDescription), but its report is valid; using it")
                    }
                    return report
                case .invalid(let message):
                    reason = "the \(role.rawValue) report is invalid: \(message)"
                case .stale(let message), .missing(let message):
                    if let synthesize, result.succeeded, await workdirUnchanged() {
                        // An agent that exits 0 having changed nothing and written no report
                        // had its turn: that is a round (verify, fix list), not a failure.
                        console.info("round \(state.round) · \(backend) exited 0 with no report and no change; the round goes on")
                        return try await synthesize(result, id)
                    }
                    reason =
                        result.succeeded
                        ? "\(backend) exited 0 but wrote no \(role.reportFileName) for this dispatch within \(options.artifactTimeout) s\(message.isEmpty ? "" : " (\(message))")"
                        : "\(backend) \(result.endDescription)"
                }
            }
            failures += 1
            let failed = FailedAttempt(role: role, attempt: attempt, failures: failures, reason: reason, result: result)
            events.record(
                "dispatch_failed", round: state.round,
                ["role": .string(role.rawValue), "reason": .string(failed.reason)])
            if failed.isFinal(retries: options.dispatchRetries) {
                throw LoopError.roundFailed(
                    failed.giveUpMessage(
                        log: paths.display(paths.roundLog(task: state.taskID, round: state.round, role: role.rawValue))))
            }
            retryNote = failed.retryNote
            let delay = failed.retryDelay(base: options.dispatchRetryBaseSec)
            console.warn("\(role.rawValue) attempt \(attempt) failed: \(failed.reason); retrying in \(delay) s")
            try await Task.sleep(for: .seconds(delay))
        }
    }

    private func runDispatch(role: Role, backend: String, dispatchID: String, prompt: String) async throws
        -> DispatchResult
    {
        var request = DispatchRequest(
            role: role, backend: backend, model: options.model(for: role), prompt: prompt, promptFile: promptPath(role),
            workdir: state.workdir, reportPath: role == .worker ? paths.workReport : paths.reviewReport,
            busDir: paths.root, taskID: state.taskID, round: state.round, runID: dispatchID,
            logPath: paths.roundLog(task: state.taskID, round: state.round, role: role.rawValue),
            timeout: options.dispatchTimeout, idleTimeout: options.idleTimeout,
            heartbeatPath: paths.heartbeat(role.rawValue), heartbeatInterval: max(1, options.heartbeatTTL / 2))
        request.echoesOutput = options.verbose
        request.agentEnvironment = agentEnvironment()
        let result = try await context.dispatcher.dispatch(request)
        UsageLedger(path: paths.usage).record(
            state: state, role: role, backend: backend, model: request.model, dispatchID: dispatchID, result: result)
        return result
    }

    private func recordFinished(role: Role, result: DispatchResult) {
        var record = state.currentRound
        var dispatch = role == .worker ? record.worker : record.reviewer
        dispatch?.finishedAt = Timestamp.now()
        dispatch?.exitStatus = result.endDescription
        dispatch?.sessionID = result.sessionID
        if role == .worker { record.worker = dispatch } else { record.reviewer = dispatch }
        state.currentRound = record
    }

    /// A report file already on the bus cannot be for a dispatch that has not started: keep it aside.
    private func setAsideExistingReport(_ role: Role) throws {
        let path = role == .worker ? paths.workReport : paths.reviewReport
        guard Filesystem.exists(path) else { return }
        try archive.setAsideStale(path, reason: "present before dispatch \(state.round)/\(role.rawValue) started")
    }

    enum Awaited<Report: Sendable> {
        case valid(Report)
        case invalid(String)
        case stale(String)
        case missing(String)
    }

    /// Polls for a valid report for `dispatchID` for up to `seconds`; stale ones are set aside.
    func awaitReport<Report: Sendable>(
        role: Role, dispatchID: String, within seconds: Int, check: (String) -> ReportCheck<Report>
    ) async -> Awaited<Report> {
        let deadline = ContinuousClock.now + .seconds(max(0, seconds))
        let path = role == .worker ? paths.workReport : paths.reviewReport
        var lastInvalid: (message: String, since: ContinuousClock.Instant, modified: Date?)?
        var lastStale = ""
        while true {
            switch check(dispatchID) {
            case .valid(let report):
                return .valid(report)
            case .stale(let message):
                lastStale = message
                console.warn("ignored a stale \(role.reportFileName): \(message)")
                events.record(
                    "stale_report", round: state.round, ["role": .string(role.rawValue), "reason": .string(message)])
                try? archive.setAsideStale(path, reason: message, isCurrent: isCurrentReport(role, dispatchID))
            case .invalid(let message):
                let modified = Filesystem.modificationDate(path)
                if lastInvalid == nil || lastInvalid?.modified != modified {
                    lastInvalid = (message, .now, modified)
                } else if let since = lastInvalid?.since, ContinuousClock.now - since >= .seconds(2) {
                    return .invalid(message)
                }
            case .missing:
                lastInvalid = nil
            }
            if ContinuousClock.now >= deadline {
                if let lastInvalid { return .invalid(lastInvalid.message) }
                return .missing(lastStale)
            }
            do { try await Task.sleep(for: .milliseconds(100)) } catch { return .missing(lastStale) }
        }
    }

    // MARK: - Usage limits

    private func waitOutLimit(_ limit: RateLimit, role: Role, waits: Int) async throws {
        let backoff = Double(min(900, 60 << min(waits - 1, 4)))
        // Wait until the reset plus a small margin (10 %, 1 to 30 s) for clocks that disagree.
        var seconds = limit.resetAt.map { reset in
            let until = max(0, reset.timeIntervalSinceNow)
            return until + min(30, max(1, until * 0.1))
        } ?? backoff
        seconds = min(seconds, Double(max(1, options.limitWaitMax)))
        let until = Date().addingTimeInterval(seconds)
        state.limitUntil = Timestamp.format(until)
        state.limitMessage = limit.message
        guard options.waitOnLimit else {
            throw LoopError.pausedOnLimit(
                "\(role.rawValue) (\(options.backend(for: role))): \(limit.message); it resets about \(Timestamp.format(until))"
            )
        }
        try transition(
            "limit_wait",
            [
                "role": .string(role.rawValue), "until": .string(Timestamp.format(until)),
                "message": .string(limit.message),
            ])
        console.info(
            "\(role.rawValue) hit a usage limit (\(limit.message)); waiting until \(Timestamp.format(until)), then retrying round \(state.round)"
        )
        try await Task.sleep(for: .seconds(seconds))
        state.limitUntil = nil
        state.limitMessage = nil
        try transition("limit_wait_over", ["role": .string(role.rawValue)])
    }
}
