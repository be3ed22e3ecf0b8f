import Foundation

extension RoundEngine {
    /// Manual mode: the prompt is on the bus, and a person or another process writes the report.
    /// Bounded by `--timeout` (0 = no limit); with `--require-heartbeat`, a stale heartbeat ends the wait.
    func waitForManualReport<Report: Sendable>(
        role: Role, dispatchID: String, check: (String) -> ReportCheck<Report>
    ) async throws -> Report {
        let report = role == .worker ? paths.workReport : paths.reviewReport
        console.info(
            "round \(state.round) · waiting for the \(role.rawValue): prompt at \(paths.display(promptPath(role)))")
        console.info(
            "  write \(paths.display(report)) with task_id=\(state.taskID) round=\(state.round) run_id=\(dispatchID)")
        let started = ContinuousClock.now
        let heartbeat = paths.heartbeat(role.rawValue)
        var lastInvalid = ""
        while true {
            switch check(dispatchID) {
            case .valid(let value):
                return value
            case .stale(let message):
                console.warn("ignored a stale \(role.reportFileName): \(message)")
                events.record(
                    "stale_report", round: state.round, ["role": .string(role.rawValue), "reason": .string(message)])
                try? archive.setAsideStale(report, reason: message, isCurrent: isCurrentReport(role, dispatchID))
            case .invalid(let message):
                if message != lastInvalid {
                    console.warn("\(role.reportFileName) is not valid yet: \(message)")
                    lastInvalid = message
                }
            case .missing:
                break
            }
            let waited = ContinuousClock.now - started
            if options.timeout > 0, waited >= .seconds(options.timeout) {
                throw LoopError.roundFailed("no valid \(role.reportFileName) within --timeout \(options.timeout) s")
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
