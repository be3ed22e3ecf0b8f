import Foundation

/// `control.json`: what a person asked a running PM to do (`loop pause`, `loop continue`,
/// `loop stop`). Written atomically by those commands, read by the PM at safe points.
///
/// The request names the run it is for: a file left by an earlier run (its PM died before
/// reading it) must never pause or stop the next one, so a `run_id` that is not the current
/// run's is ignored.
package struct ControlRequest: Codable, Sendable, Equatable, BusDocument {
    package enum Action: String, Codable, Sendable {
        /// Finish the current dispatch or phase, then wait.
        case pause
        /// Go on after a pause.
        case `continue`
        /// End the run after the current round (at once when it is paused), saved as `stopped`.
        case stop
    }

    package var schemaVersion: Int = 1
    package var action: Action
    package var runID: String
    package var requestedAt: String

    enum CodingKeys: String, CodingKey {
        case action
        case schemaVersion = "schema_version"
        case runID = "run_id"
        case requestedAt = "requested_at"
    }

    package init(action: Action, runID: String, requestedAt: String = Timestamp.now()) {
        self.action = action
        self.runID = runID
        self.requestedAt = requestedAt
    }

    /// The file's name in the bus folder.
    package static let fileName = "control.json"

    /// The path of `control.json` in a bus (a batch task's: in its run folder).
    package static func path(_ paths: BusPaths) -> String { paths.file(fileName) }

    /// The batch's `control.json`, in the shared bus folder.
    package static func sharedPath(_ paths: BusPaths) -> String { paths.sharedFile(fileName) }

    /// Reads the batch's `control.json` (nil when missing or unreadable).
    package static func loadShared(_ paths: BusPaths) -> ControlRequest? {
        guard let data = FileManager.default.contents(atPath: sharedPath(paths)) else { return nil }
        return try? JSONDecoder().decode(ControlRequest.self, from: data)
    }

    /// Reads `control.json`; nil when it is missing or unreadable (a half-written file cannot
    /// happen: it is replaced atomically).
    package static func load(_ paths: BusPaths) -> ControlRequest? {
        guard let data = FileManager.default.contents(atPath: path(paths)) else { return nil }
        return try? JSONDecoder().decode(ControlRequest.self, from: data)
    }
}

/// The PM's side of `control.json`: reads the request that applies to this run at a safe point
/// and waits out a pause.
///
/// A task run of a batch obeys two files: its own (in its run folder) and the batch's
/// (`control.json` in the shared bus folder, naming the batch id), so `loop pause` / `stop`
/// given to a batch reaches every task, also one that starts while the request stands.
package struct RunControl: Sendable {
    package let paths: BusPaths
    package let runID: String
    /// The batch this run is a task of (`LOOP_BATCH_ID`, set by the batch PM); nil for a single run.
    package let batchID: String?
    /// How often a paused PM looks at the file again.
    package var pollInterval: Duration = .milliseconds(250)

    /// The variable through which a batch PM tells its task runs (and their rounds) the batch id.
    package static let batchIDVariable = "LOOP_BATCH_ID"

    package init(paths: BusPaths, runID: String) {
        self.paths = paths
        self.runID = runID
        let batch = ProcessInfo.processInfo.environment[Self.batchIDVariable]
        batchID = paths.isBatchRun && batch?.isEmpty == false ? batch : nil
    }

    /// The request for this run, if any: its own, else its batch's; a stale file (another
    /// run's or batch's) counts as none.
    package func current() -> ControlRequest.Action? {
        if let request = ControlRequest.load(paths), request.runID == runID { return request.action }
        if let batchID, let request = ControlRequest.loadShared(paths), request.runID == batchID {
            return request.action
        }
        return nil
    }

    /// A request left by another run: the PM says once, at its start, that it ignores it.
    package func staleRequest() -> ControlRequest? {
        guard let request = ControlRequest.load(paths), request.runID != runID else { return nil }
        return request
    }

    /// What a safe point should do.
    package enum Decision: Sendable, Equatable {
        /// Go on (no request, `continue`, or a `stop` that waits for the round's end).
        case proceed
        /// Stop now: `loop stop` arrived while the run was paused.
        case stopNow
    }

    /// At a safe point: returns at once unless the run is paused; while it is, waits (polling
    /// the file) until `loop continue` or `loop stop`. `onPause` runs once when the wait starts,
    /// `onContinue` once when it ends with `continue`.
    /// - Throws: `CancellationError` when the task is cancelled (a signal) while waiting.
    package func holdIfPaused(onPause: () -> Void, onContinue: () -> Void) async throws -> Decision {
        guard current() == .pause else { return .proceed }
        onPause()
        while true {
            try await Task.sleep(for: pollInterval)
            switch current() {
            case .pause?: continue
            case .stop?: return .stopNow
            case .continue?, nil:
                onContinue()
                return .proceed
            }
        }
    }

    /// Whether `loop stop` asked this run to stop (checked between rounds).
    package var isStopRequested: Bool { current() == .stop }

    /// Thrown out of a long wait (a usage-limit wait can last hours) when `loop stop` asks
    /// this run to stop: the run is saved as `stopped` in its phase, so `--resume` goes on.
    package struct StopRequested: Error {}

    /// Sleeps `seconds`, looking at the request file as it waits.
    /// - Throws: `StopRequested` on `loop stop`; `CancellationError` on a signal.
    package func sleepUnlessStopped(seconds: Double) async throws {
        let end = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < end {
            if isStopRequested { throw StopRequested() }
            try await Task.sleep(for: min(pollInterval, end - ContinuousClock.now))
        }
    }

    /// Removes a request once it has been acted on, so `loop run --resume` of the same run does
    /// not stop again at once. The events log keeps the record (`run_stopped`). Only the run's
    /// own file: the batch's request is for every task and the batch PM removes it.
    package func consume() {
        try? FileManager.default.removeItem(atPath: ControlRequest.path(paths))
    }

    /// The reason saved in `state.json` for a stopped run.
    package static let stopReason = "stopped by `loop stop`"
}
