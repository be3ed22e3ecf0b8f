import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension RunController {
    /// Takes `.loop/lock` for the whole run: a second PM is refused, a dead owner's lock taken over.
    func takeLock() throws -> FileLock {
        let owner = FileLock.Owner(
            pid: getpid(), host: ProcessInfo.processInfo.hostName, runID: "starting", startedAt: Timestamp.now())
        switch try FileLock.acquire(at: paths.lock, owner: owner) {
        case .heldBy(let holder):
            throw LoopError.locked(owner: holder?.summary ?? "owner unknown")
        case .acquired(let lock, let previous):
            // A clean exit empties the file, so an owner still recorded here died holding the lock.
            if let previous {
                console.info("took over the bus lock from a PM that is gone (\(previous.summary))")
            }
            return lock
        }
    }

    /// Ends processes a dead run of this bus left behind (agents carry `LOOP_BUS_DIR`).
    ///
    /// We hold the lock, so no live PM owns them: they are orphans that could still commit or
    /// write reports.
    func reapOrphans() {
        let orphans = ProcessControl.processes(withEnvironment: "LOOP_BUS_DIR", value: paths.root)
            .filter { $0.pid != getpid() && $0.pid != getppid() }
        guard !orphans.isEmpty else { return }
        let groups = Set(orphans.map(\.pgid)).filter { $0 > 1 && $0 != getpgrp() }
        for group in groups { ProcessControl.signalGroup(group, SIGTERM) }
        for orphan in orphans { kill(orphan.pid, SIGTERM) }
        usleep(300_000)
        for group in groups { ProcessControl.signalGroup(group, SIGKILL) }
        for orphan in orphans where ProcessControl.isAlive(orphan.pid) { kill(orphan.pid, SIGKILL) }
        let list = orphans.map { String($0.pid) }.joined(separator: ", ")
        console.info(
            "ended \(orphans.count) process\(orphans.count == 1 ? "" : "es") left by a dead run of this bus (pid \(list))"
        )
        if let state = try? RunState.load(from: paths.state) {
            EventLog(path: paths.events, taskID: state.taskID, runID: state.runID)
                .record("orphans_reaped", ["pids": .array(orphans.map { .number(Double($0.pid)) })])
        }
    }

    /// Removes temp files of writers that died: on the bus, in its heartbeat and scratch
    /// folders, and in the archive of the run in state (where a crashed PM was writing).
    func sweepStaleTemps() {
        var folders = [paths.root, paths.heartbeats, paths.scratch]
        // Every run's archive folder, not just the last state's: a PM killed while snapshotting
        // the card at run start dies before state.json names its run.
        let fileManager = FileManager.default
        for task in (try? fileManager.contentsOfDirectory(atPath: paths.archive)) ?? [] where !task.hasPrefix(".") {
            let taskFolder = "\(paths.archive)/\(task)"
            for run in (try? fileManager.contentsOfDirectory(atPath: taskFolder)) ?? [] where !run.hasPrefix(".") {
                folders += ["\(taskFolder)/\(run)", "\(taskFolder)/\(run)/stale"]
            }
        }
        for folder in folders { AtomicFile.sweepStaleTemps(in: folder) }
    }

    func ensureGitignore() throws {
        try SkeletonInstaller.ensureGitignore(loopDir: paths.shared)
    }

    /// Bus files a run leaves behind that the next run replaces.
    var runFiles: [String] { paths.runFiles }

    /// `--reset`: archives the bus and the state of the last run and clears them. Never touches
    /// the task card or the lock.
    func resetBus() throws {
        guard let state = try? RunState.load(from: paths.state) else {
            // No readable state (none, or corrupt): archive whatever is there, state included.
            for file in runFiles + [paths.state] where Filesystem.exists(file) {
                try Filesystem.copyIfPresent(
                    file, to: "\(paths.archive)/reset-\(Timestamp.now())/\((file as NSString).lastPathComponent)")
                try? FileManager.default.removeItem(atPath: file)
            }
            return
        }
        let archive = Archive(paths: paths, taskID: state.taskID, runID: state.runID)
        for file in runFiles + [paths.state] where Filesystem.exists(file) {
            try archive.keep(file, round: state.round, as: "reset_" + (file as NSString).lastPathComponent)
            try archive.removeArchived(file)
        }
        EventLog(path: paths.events, taskID: state.taskID, runID: state.runID).record("run_reset", round: state.round)
        console.info(
            "reset: archived the bus of \(state.runID) under \(paths.display(archive.directory)) and cleared it")
    }

    /// Loads the run to continue, or starts a new one.
    func prepareState() async throws -> RunState {
        let existing = try RunState.load(from: paths.state)
        if request.resume {
            guard var state = existing else {
                throw LoopError.config(
                    "Nothing to resume: \(paths.display(paths.state)) does not exist. "
                        + "Start a run with `\(paths.command("run"))`.")
            }
            return try await resume(&state)
        }
        if let state = existing, !(state.phase.isTerminal) {
            throw LoopError.other(
                "Run \(state.runID) of task \(state.taskID) stopped in round \(state.round) (\(state.phase.rawValue)\(state.stoppedIn.map { " while \($0.rawValue)" } ?? "")). "
                    + "Continue it with `\(paths.command("run --resume"))`, or start over with `\(paths.command("run --reset"))`.",
                .configError)
        }
        let taskPath = Filesystem.absolute(request.taskPath ?? paths.taskCard)
        let card = try TaskCard.load(from: taskPath)
        var options = request.options
        // The card may name its agents; a flag or LOOP_* variable still wins.
        if let worker = card.backends["worker"], !request.explicitKeys.contains("worker_backend") {
            options.workerBackend = worker
        }
        if let reviewer = card.backends["reviewer"], !request.explicitKeys.contains("reviewer_backend") {
            options.reviewerBackend = reviewer
        }
        if options.inPlace, card.cardLanes != nil {
            throw LoopError.config(
                "The task card has lanes, which merge into a task branch, never into your checkout: run it without --in-place.")
        }
        var preflight = Preflight(paths: paths, options: options, dispatcher: dispatcher)
        preflight.runsVerify = !card.verify.isEmpty
        let problems = await preflight.problems(checkBackends: request.options.autoDispatch)
        if !problems.isEmpty { throw LoopError.preflight(problems) }
        if let previous = existing { try archiveFinishedRun(previous) }
        var state = try await RunStarter(paths: paths, console: console).start(
            card: card, taskPath: taskPath, options: options, baseRef: request.baseRef)
        try Filesystem.copyIfPresent(taskPath, to: state.cardSnapshot(paths))
        try state.save(to: paths.state)
        EventLog(path: paths.events, taskID: state.taskID, runID: state.runID).record(
            "run_started", round: 1,
            [
                "branch": .string(state.branch), "base_sha": .string(state.baseSHA), "mode": .string(state.mode),
                "max_rounds": .number(Double(state.maxRounds)),
            ])
        let how =
            state.options.autoDispatch
            ? "worker \(state.options.workerBackend), reviewer \(state.options.reviewerBackend)" : "manual dispatch"
        console.info(
            "run \(state.runID) · task \(state.taskID) · \(how) · up to \(state.maxRounds) round\(state.maxRounds == 1 ? "" : "s") · branch \(state.branch)"
        )
        return state
    }

    /// `base` with the values of `keys` taken from `given`.
    static func overlay(_ base: RunOptions, with given: RunOptions, keys: Set<String>) throws -> RunOptions {
        guard !keys.isEmpty else { return base }
        let encoder = JSONEncoder()
        guard case .object(var merged) = try JSONDecoder().decode(JSONValue.self, from: try encoder.encode(base)),
            case .object(let new) = try JSONDecoder().decode(JSONValue.self, from: try encoder.encode(given))
        else { return base }
        for key in keys { merged[key] = new[key] ?? .null }
        return try JSONDecoder().decode(RunOptions.self, from: try encoder.encode(JSONValue.object(merged)))
    }

    /// A finished run's leftover bus files go to its archive before the next run starts.
    private func archiveFinishedRun(_ previous: RunState) throws {
        let archive = Archive(paths: paths, taskID: previous.taskID, runID: previous.runID)
        for file in runFiles where Filesystem.exists(file) {
            try archive.keep(file, round: previous.round, as: "final_" + (file as NSString).lastPathComponent)
            try archive.removeArchived(file)
        }
    }

    private func resume(_ state: inout RunState) async throws -> RunState {
        // Options given now (flags, LOOP_*) replace what the run started with; the rest stay.
        state.options = try Self.overlay(state.options, with: request.options, keys: request.explicitKeys)
        if request.explicitKeys.contains("max_rounds") { state.maxRounds = request.options.maxRounds }
        switch state.phase {
        case .done:
            // A PM killed while writing or archiving the outcome: finish that now, then report.
            let archivedOutcome = paths.archiveFile(task: state.taskID, run: state.runID, round: state.round, name: "outcome.json")
            if let outcome = Outcome.load(paths.outcome), outcome.runID == state.runID,
                !Filesystem.exists(archivedOutcome)
            {
                try Filesystem.copyIfPresent(paths.outcome, to: archivedOutcome, durable: false)
                EventLog(path: paths.events, taskID: state.taskID, runID: state.runID).record(
                    "run_finished", round: state.round,
                    ["result": .string(outcome.result.rawValue), "exit_code": .number(Double(outcome.exitCode))])
            }
            if Outcome.load(paths.outcome)?.runID != state.runID {
                let outcome = Outcome(state: state, result: .approved)
                try outcome.write(to: paths.outcome)
                try Archive(paths: paths, taskID: state.taskID, runID: state.runID)
                    .keep(paths.outcome, round: state.round, as: "outcome.json")
                EventLog(path: paths.events, taskID: state.taskID, runID: state.runID).record(
                    "run_finished", round: state.round,
                    ["result": .string(outcome.result.rawValue), "exit_code": .number(Double(outcome.exitCode))])
            }
            throw LoopError.other(
                "Run \(state.runID) was already approved; nothing to resume. `\(paths.command("run"))` starts a new run.",
                .approved)
        case .exhausted where state.stoppedIn != nil:
            state.reopen(in: state.stoppedIn ?? .working)  // A budget stop: continue where it stopped.
        case .exhausted:
            guard state.maxRounds > state.round else {
                throw LoopError.other(
                    "Run \(state.runID) used all \(state.round) rounds. Resume with a bigger --max-rounds to give it more, or start a new run.",
                    .exhausted)
            }
            if state.needsHelp == true {
                // A person answered (a new card, more rounds, a hand fix): the question is archived.
                try Archive(paths: paths, taskID: state.taskID, runID: state.runID).keep(
                    paths.needsHelp, round: state.round)
                try? FileManager.default.removeItem(atPath: paths.needsHelp)
                state.needsHelp = nil
            }
            state.round += 1
            state.reopen(in: .working)
        case .failed, .interrupted, .paused, .stopped:
            state.reopen(in: state.stoppedIn ?? .working)
        case .idle:
            state.reopen(in: .working)
        default:
            state.reopen(in: state.phase)  // A PM killed mid-round: continue in the phase it was in.
        }
        var preflight = Preflight(paths: paths, options: state.options, dispatcher: dispatcher)
        preflight.runsVerify = (try? TaskCard.load(from: state.cardSnapshot(paths)))?.verify.isEmpty != true
        let problems = await preflight.problems(checkBackends: state.options.autoDispatch)
        if !problems.isEmpty { throw LoopError.preflight(problems) }
        // The time it was stopped is not run time: `--max-duration` counts the spans it ran.
        state.beginSpan()
        try state.save(to: paths.state)
        EventLog(path: paths.events, taskID: state.taskID, runID: state.runID).record(
            "run_resumed", round: state.round, ["phase": .string(state.phase.rawValue)])
        console.info(
            "resuming run \(state.runID) · task \(state.taskID) · round \(state.round) (\(state.phase.rawValue))")
        return state
    }
}
