import Foundation

/// Where one agent runs and where its files go: everything a dispatch loop needs that differs
/// between the task's worker, its reviewer and a lane's worker.
package struct DispatchTarget: Sendable, Equatable {
    package var role: Role
    /// The lane this dispatch works for (nil for the task's own worker and reviewer).
    package var laneID: String?
    /// The lane's `owner_paths`, passed to the agent as `LOOP_OWNER_PATHS`.
    package var ownerPaths: [String]
    /// Registry name of the backend.
    package var backend: String
    package var model: String?
    /// Folder the agent works in.
    package var workdir: String
    /// The report the agent must write.
    package var reportPath: String
    /// Where the PM writes the rendered prompt.
    package var promptPath: String
    /// Where the agent's output is streamed.
    package var logPath: String
    package var heartbeatPath: String

    package init(
        role: Role, laneID: String? = nil, ownerPaths: [String] = [], backend: String, model: String?,
        workdir: String, reportPath: String, promptPath: String, logPath: String, heartbeatPath: String
    ) {
        self.role = role
        self.laneID = laneID
        self.ownerPaths = ownerPaths
        self.backend = backend
        self.model = model
        self.workdir = workdir
        self.reportPath = reportPath
        self.promptPath = promptPath
        self.logPath = logPath
        self.heartbeatPath = heartbeatPath
    }

    /// How the role is named in messages and events: `worker`, or `worker lane_core`.
    var name: String { laneID.map { "\(role.rawValue) \($0)" } ?? role.rawValue }
}

/// What a dispatch loop tells its owner, who keeps `state.json`: the loop never holds the
/// run state, so several loops (one per lane) can run at once and report through one owner.
protocol DispatchObserver: AnyObject {
    /// Throws when a run budget has run out (called before every attempt).
    func checkBudget() async throws
    /// Seconds the run's duration budget leaves (nil: no duration budget). An attempt may run
    /// at most that long; when the budget is what ends it, the loop throws `DurationBudgetCut`.
    func durationLeft() async -> Double?
    /// The values this agent reads from its environment (`LOOP_TOKENS_LEFT`, ...).
    func agentEnvironment() async -> [String: String]
    /// A dispatch is about to start: record it and save state (the resume point).
    func dispatchStarted(_ record: DispatchRecord, target: DispatchTarget) async throws
    /// The agent ended: record how, and save state.
    func dispatchFinished(_ result: DispatchResult, target: DispatchTarget) async throws
    /// The agent hit a usage limit that resets about `until`. With `willWait` the loop sleeps
    /// until then (record the wait and save state); without, the run pauses (the loop throws).
    func limitHit(until: Date, message: String, willWait: Bool, target: DispatchTarget) async throws
    /// The usage-limit wait is over: clear it and save state.
    func limitWaitOver(target: DispatchTarget) async throws
}

/// Dispatches one role until a valid report arrives: retries failures with backoff and a note
/// for the next attempt, waits out usage limits, sets stale reports aside, ends leftovers;
/// in manual mode, waits for a report written by someone else.
///
/// A value built for one dispatch (one role, or one lane): the round engine runs one for its
/// worker and one for its reviewer, and the lane runner runs one per lane, concurrently.
struct DispatchLoop<Report: Sendable> {
    /// Builds the report when the backend writes none, and says whether the agent changed
    /// nothing (then a missing report is a round with no change, not a failure).
    struct Synthesis {
        var make: (DispatchResult, String) async throws -> Report
        var workdirUnchanged: () async -> Bool
    }

    let target: DispatchTarget
    let context: RoundContext
    let options: RunOptions
    let taskID: String
    let runID: String
    let round: Int
    let events: EventLog
    let archive: Archive
    let observer: any DispatchObserver
    /// Attempts already made for this dispatch in this round (a resumed round goes on counting).
    var previousAttempts = 0

    var console: Console { context.console }
    var paths: BusPaths { context.paths }

    /// A fresh id for one dispatch: the report must echo it, so nothing written for an
    /// earlier attempt, round, lane or run can ever be accepted.
    func dispatchID(attempt: Int) -> String {
        let nonce = String(UInt32.random(in: 0 ... .max), radix: 16)
        let lane = target.laneID.map { "-\($0)" } ?? ""
        return "\(runID).r\(round).\(target.role.rawValue)\(lane)\(attempt)-\(nonce)"
    }

    func identity(_ dispatchID: String) -> ReportIdentity {
        ReportIdentity(taskID: taskID, round: round, runID: dispatchID)
    }

    /// Whether the report file at a path is a valid report for `dispatchID`.
    func isCurrentReport(_ dispatchID: String) -> (String) -> Bool {
        let expected = identity(dispatchID)
        let role = target.role
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

    /// Runs attempts until a valid report arrives or the loop gives up (throws).
    func run(
        prompt: (String) -> String, check: (String) -> ReportCheck<Report>, synthesis: Synthesis? = nil,
        beforeDispatch: ((String) throws -> Void)? = nil
    ) async throws -> Report {
        let role = target.role
        let backend = target.backend
        var attempt = previousAttempts
        var failures = 0
        var limitWaits = 0
        // What the last failed attempt did, appended to the next attempt's prompt: a retry
        // must not repeat a deterministic mistake blindly.
        var retryNote = ""
        while true {
            try Task.checkCancellation()
            try await observer.checkBudget()
            attempt += 1
            let id = dispatchID(attempt: attempt)
            try setAsideExistingReport()
            try beforeDispatch?(id)
            let text = prompt(id) + retryNote
            try AtomicFile.write(text, to: target.promptPath, durable: false)
            let dispatch = DispatchRecord(
                runID: id, backend: options.autoDispatch ? backend : "manual", attempt: attempt,
                startedAt: Timestamp.now())
            try await observer.dispatchStarted(dispatch, target: target)

            guard options.autoDispatch else {
                return try await waitForManualReport(dispatchID: id, check: check)
            }
            console.info("round \(round) · \(target.name) (\(backend)) started · attempt \(attempt)")
            // Absolute: the hint must work from any folder (`loop demo` runs in its own repository).
            console.info("  follow it: tail -f \(target.logPath)")
            // Computed once: the dispatch timeout, or what the duration budget leaves if less.
            let allowance = TimeAllowance(timeout: options.dispatchTimeout, budgetLeft: await observer.durationLeft())
            let result = try await runDispatch(dispatchID: id, prompt: text, timeout: allowance.seconds)
            // Helpers the agent left behind may still deliver its report within the artifact
            // wait; after that wait, nothing of this dispatch may keep running.
            defer {
                LeftoverReaper(events: events, round: round, console: console).reap(id, group: result.processGroup)
            }
            try await observer.dispatchFinished(result, target: target)
            if result.end == .cancelled { throw CancellationError() }
            if result.end == .timedOut, allowance.isBudget {
                // The run is out of time, not the agent out of luck: no failure, no retry. The
                // run stops in this phase; `--resume` dispatches again (or uses a report the
                // agent managed to write in its grace), with what it changed still in the workdir.
                console.warn("\(target.name) was still running when the run's duration budget ran out; it was ended")
                throw DurationBudgetCut(what: target.name)
            }

            if let limit = result.rateLimit {
                limitWaits += 1
                attempt -= 1  // A usage limit is not a failed attempt.
                try await waitOutLimit(limit, waits: limitWaits)
                continue
            }
            let reason: String
            if let synthesis, !context.dispatcher.writesReport(backend: backend) {
                if result.succeeded { return try await synthesis.make(result, id) }
                reason = "\(backend) \(result.endDescription)"
            } else {
                let grace = result.succeeded ? options.artifactTimeout : 1
                // The wait for the report ends with the duration budget too.
                let budgetLeft = await observer.durationLeft().map { max(0, Int($0.rounded(.up))) }
                let isWaitCutByBudget = result.succeeded && (budgetLeft.map { $0 < grace } ?? false)
                switch await awaitReport(dispatchID: id, within: min(grace, budgetLeft ?? grace), check: check) {
                case .valid(let report):
                    if !result.succeeded {
                        console.warn("\(target.name) \(result.endDescription), but its report is valid; using it")
                    }
                    return report
                case .invalid(let message):
                    reason = "the \(target.name) report is invalid: \(message)"
                case .stale(let message), .missing(let message):
                    if let synthesis, result.succeeded, await synthesis.workdirUnchanged() {
                        // An agent that exits 0 having changed nothing and written no report
                        // had its turn: that is a round (verify, fix list), not a failure.
                        console.info(
                            "round \(round) · \(backend) exited 0 with no report and no change; the round goes on")
                        return try await synthesis.make(result, id)
                    }
                    if isWaitCutByBudget {
                        // Out of time while waiting: `--resume` uses the report if it came
                        // later, and dispatches again if not.
                        console.warn("the run's duration budget ran out while waiting for the \(target.name)'s report")
                        throw DurationBudgetCut(what: target.name)
                    }
                    reason =
                        result.succeeded
                        ? "\(backend) exited 0 but wrote no \(reportFileName) for this dispatch within \(options.artifactTimeout) s\(message.isEmpty ? "" : " (\(message))")"
                        : "\(backend) \(result.endDescription)"
                }
            }
            failures += 1
            let failed = FailedAttempt(role: role, attempt: attempt, failures: failures, reason: reason, result: result)
            events.record("dispatch_failed", round: round, eventFields(["reason": .string(failed.reason)]))
            if failed.isFinal(retries: options.dispatchRetries) {
                throw LoopError.roundFailed(failed.giveUpMessage(log: paths.display(target.logPath)))
            }
            retryNote = failed.retryNote
            let delay = failed.retryDelay(base: options.dispatchRetryBaseSec)
            console.warn("\(target.name) attempt \(attempt) failed: \(failed.reason); retrying in \(delay) s")
            // Never past the duration budget: the next attempt's budget check then ends the run.
            let left = await observer.durationLeft().map { max(0, $0) } ?? Double(delay)
            try await Task.sleep(for: .seconds(min(Double(delay), left)))
        }
    }

    /// The report's file name as messages name it (`work_report.json`, or a lane's own file).
    var reportFileName: String {
        target.laneID == nil ? target.role.reportFileName : (target.reportPath as NSString).lastPathComponent
    }

    /// Event fields naming the role, and the lane when there is one.
    func eventFields(_ fields: [String: JSONValue] = [:]) -> [String: JSONValue] {
        var all = fields
        all["role"] = .string(target.role.rawValue)
        if let lane = target.laneID { all["lane_id"] = .string(lane) }
        return all
    }

    /// Runs one attempt with `timeout` seconds (0 = none) as its whole-dispatch limit.
    private func runDispatch(dispatchID: String, prompt: String, timeout: Int) async throws -> DispatchResult {
        var request = DispatchRequest(
            role: target.role, backend: target.backend, model: target.model, prompt: prompt,
            promptFile: target.promptPath, workdir: target.workdir, reportPath: target.reportPath,
            busDir: paths.root, taskID: taskID, round: round, runID: dispatchID, logPath: target.logPath,
            timeout: timeout, idleTimeout: options.idleTimeout,
            heartbeatPath: target.heartbeatPath, heartbeatInterval: max(1, options.heartbeatTTL / 2))
        request.laneID = target.laneID
        request.ownerPaths = target.ownerPaths
        request.echoesOutput = options.verbose
        request.agentEnvironment = await observer.agentEnvironment()
        let result = try await context.dispatcher.dispatch(request)
        UsageLedger(path: paths.usage).record(
            taskID: taskID, runID: runID, round: round, role: target.role, backend: target.backend,
            model: request.model, dispatchID: dispatchID, result: result)
        return result
    }

    /// A report file already on the bus cannot be for a dispatch that has not started: keep it aside.
    private func setAsideExistingReport() throws {
        guard Filesystem.exists(target.reportPath) else { return }
        try archive.setAsideStale(
            target.reportPath, reason: "present before dispatch \(round)/\(target.name) started")
    }

    enum Awaited {
        case valid(Report)
        case invalid(String)
        case stale(String)
        case missing(String)
    }

    /// Polls for a valid report for `dispatchID` for up to `seconds`; stale ones are set aside.
    func awaitReport(dispatchID: String, within seconds: Int, check: (String) -> ReportCheck<Report>) async
        -> Awaited
    {
        let deadline = ContinuousClock.now + .seconds(max(0, seconds))
        let path = target.reportPath
        var lastInvalid: (message: String, since: ContinuousClock.Instant, modified: Date?)?
        var lastStale = ""
        while true {
            switch check(dispatchID) {
            case .valid(let report):
                return .valid(report)
            case .stale(let message):
                lastStale = message
                console.warn("ignored a stale \(reportFileName): \(message)")
                events.record("stale_report", round: round, eventFields(["reason": .string(message)]))
                try? archive.setAsideStale(path, reason: message, isCurrent: isCurrentReport(dispatchID))
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

    private func waitOutLimit(_ limit: RateLimit, waits: Int) async throws {
        let backoff = Double(min(900, 60 << min(waits - 1, 4)))
        // Wait until the reset plus a small margin (10 %, 1 to 30 s) for clocks that disagree.
        var seconds =
            limit.resetAt.map { reset in
                let until = max(0, reset.timeIntervalSinceNow)
                return until + min(30, max(1, until * 0.1))
            } ?? backoff
        seconds = min(seconds, Double(max(1, options.limitWaitMax)))
        // A wait never outlasts the duration budget: after it, the budget check ends the run.
        if let left = await observer.durationLeft() { seconds = min(seconds, max(0, left)) }
        let until = Date().addingTimeInterval(seconds)
        try await observer.limitHit(until: until, message: limit.message, willWait: options.waitOnLimit, target: target)
        guard options.waitOnLimit else {
            throw LoopError.pausedOnLimit(
                "\(target.name) (\(target.backend)): \(limit.message); it resets about \(Timestamp.format(until))")
        }
        console.info(
            "\(target.name) hit a usage limit (\(limit.message)); waiting until \(Timestamp.format(until)), then retrying round \(round)"
        )
        // `loop stop` ends the wait at once (it can last hours); a pause is a hold already.
        try await RunControl(paths: paths, runID: runID).sleepUnlessStopped(seconds: seconds)
        try await observer.limitWaitOver(target: target)
    }
}
