import Foundation

extension DispatchLoop {
    /// Manual mode: the prompt is on the bus, and a person or another process writes the report.
    /// Bounded by `--timeout` (0 = no limit); with `--require-heartbeat`, a stale heartbeat ends the wait.
    func waitForManualReport(dispatchID: String, check: (String) -> ReportCheck<Report>) async throws -> Report {
        let role = target.role
        let report = target.reportPath
        console.info(
            "round \(round) · waiting for the \(target.name): prompt at \(paths.display(target.promptPath))")
        console.info(
            "  write \(paths.display(report)) with task_id=\(taskID) round=\(round) run_id=\(dispatchID)")
        let started = ContinuousClock.now
        // The wait ends with the run's duration budget, computed once.
        let budgetEnd = await observer.durationLeft().map { started + .seconds(max(0, $0)) }
        let heartbeat = target.heartbeatPath
        var lastInvalid = ""
        while true {
            switch check(dispatchID) {
            case .valid(let value):
                return value
            case .stale(let message):
                console.warn("ignored a stale \(reportFileName): \(message)")
                events.record("stale_report", round: round, eventFields(["reason": .string(message)]))
                try? archive.setAsideStale(report, reason: message, isCurrent: isCurrentReport(dispatchID))
            case .invalid(let message):
                if message != lastInvalid {
                    console.warn("\(reportFileName) is not valid yet: \(message)")
                    lastInvalid = message
                }
            case .missing:
                break
            }
            let waited = ContinuousClock.now - started
            if let budgetEnd, ContinuousClock.now >= budgetEnd { throw DurationBudgetCut(what: target.name) }
            if options.timeout > 0, waited >= .seconds(options.timeout) {
                throw LoopError.roundFailed("no valid \(reportFileName) within --timeout \(options.timeout) s")
            }
            if options.requireHeartbeat, waited >= .seconds(options.heartbeatTTL) {
                let age = Filesystem.modificationDate(heartbeat).map { -$0.timeIntervalSinceNow }
                if age == nil || (age ?? 0) > Double(options.heartbeatTTL) {
                    let detail = age.map { "is \(Int($0)) s old" } ?? "is missing"
                    throw LoopError.roundFailed(
                        "the \(role.rawValue) heartbeat \(paths.display(heartbeat)) \(detail) (ttl \(options.heartbeatTTL) s); "
                            + "run `loop heartbeat --role \(role.rawValue)` beside the agent")
                }
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}
