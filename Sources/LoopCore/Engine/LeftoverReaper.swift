import Foundation

/// Ends processes a dispatch or verify run left behind — even ones that escaped its process
/// group with `setsid` — found by the `LOOP_RUN_ID` they inherited. Nothing the worker
/// started may still be running when the reviewer works.
struct LeftoverReaper: Sendable {
    let events: EventLog
    let round: Int
    let console: Console

    func reap(_ runID: String, group: Int32? = nil) {
        if let group, group > 1, group != getpgrp() { ProcessControl.signalGroup(group, SIGKILL) }
        // What this process's dispatch or verify run left behind started after this process.
        let leftovers = ProcessControl.processes(withEnvironment: "LOOP_RUN_ID", value: runID, startedSinceSelf: true)
        guard !leftovers.isEmpty else { return }
        for entry in leftovers {
            if entry.pgid > 1, entry.pgid != getpgrp() { ProcessControl.signalGroup(entry.pgid, SIGKILL) }
            kill(entry.pid, SIGKILL)
        }
        events.record(
            "leftovers_ended", round: round,
            ["run_id": .string(runID), "pids": .array(leftovers.map { .number(Double($0.pid)) })])
        console.warn("ended \(leftovers.count) process\(leftovers.count == 1 ? "" : "es") left running by \(runID)")
    }
}
