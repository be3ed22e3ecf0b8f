import Foundation

/// Ends processes a dispatch or verify run left behind — even ones that escaped its process
/// group with `setsid` — found by the `LOOP_RUN_ID` they inherited. Nothing the worker
/// started may still be running when the reviewer works.
///
/// The process that runs a round is a child subreaper (`RunController`), so an escaped
/// process stays among its descendants: only those are read, not every process on the
/// machine (a sweep of `/proc` cost each round milliseconds, more on a busy desktop). Without
/// a subreaper, or where the kernel lists no children, the whole process table is read.
struct LeftoverReaper: Sendable {
    let events: EventLog
    let round: Int
    let console: Console

    func reap(_ runID: String, group: Int32? = nil) {
        if let group, group > 1, group != getpgrp() { ProcessControl.signalGroup(group, SIGKILL) }
        // What this process's dispatch or verify run left behind started after this process.
        let leftovers =
            (ProcessControl.isSubreaper ? ProcessControl.descendants(withEnvironment: "LOOP_RUN_ID", value: runID) : nil)
            ?? ProcessControl.processes(withEnvironment: "LOOP_RUN_ID", value: runID, startedSinceSelf: true)
        guard !leftovers.isEmpty else { return }
        for entry in leftovers {
            if entry.pgid > 1, entry.pgid != getpgrp() { ProcessControl.signalGroup(entry.pgid, SIGKILL) }
            kill(entry.pid, SIGKILL)
        }
        // Orphans came to this process (the subreaper): collect them, so no zombie is left.
        ProcessControl.collectZombies(leftovers.map(\.pid))
        events.record(
            "leftovers_ended", round: round,
            ["run_id": .string(runID), "pids": .array(leftovers.map { .number(Double($0.pid)) })])
        console.warn("ended \(leftovers.count) process\(leftovers.count == 1 ? "" : "es") left running by \(runID)")
    }
}
