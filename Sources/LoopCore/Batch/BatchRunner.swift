import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `loop run --all`, `loop run --task a.json --task b.json …` or `loop run --resume` of a
/// batch was asked to do.
package struct BatchRequest: Sendable {
    package var paths: BusPaths
    /// The cards of a new batch (absolute paths); empty for `--resume`.
    package var cardPaths: [String]
    /// Tasks at a time; nil = 1 for a new batch, the batch's own value on resume.
    package var parallel: Int?
    /// `loop run` options given as flags, by config key (each task's run gets them).
    package var flags: [String: JSONValue]
    package var resume: Bool
    /// The `loop` executable, to start each task's run.
    package var executable: String

    package init(
        paths: BusPaths, cardPaths: [String], parallel: Int?, flags: [String: JSONValue], resume: Bool,
        executable: String
    ) {
        self.paths = paths
        self.cardPaths = cardPaths
        self.parallel = parallel
        self.flags = flags
        self.resume = resume
        self.executable = executable
    }
}

/// The batch PM: holds `.loop/lock` for the whole batch and runs each task as its own
/// `loop run` (the usual outer loop and round subprocesses, so crash safety and `--resume` are
/// the single run's), with that task's files in `batch/<task_id>/`, up to `parallel` at a
/// time, each task once the tasks it depends on are approved.
///
/// Everything it decides goes to `batch.json` before it acts, so a batch PM killed at any
/// point is continued by `loop run --resume`: approved tasks stay approved, interrupted and
/// running ones are resumed, pending ones started. Its task runs die with it (they ask the
/// kernel for SIGTERM when their parent dies), and SIGINT/SIGTERM are passed on to each.
package struct BatchRunner: Sendable {
    package var request: BatchRequest
    package var console: Console

    /// Environment marker: the batch PM's pid, so a task's run knows to die with it.
    static var batchMarker: String { RunController.batchMarker }

    package init(request: BatchRequest, console: Console) {
        self.request = request
        self.console = console
    }

    var paths: BusPaths { request.paths }

    /// Whether `loop run --resume` (no card given) means the batch: `batch.json` has a task
    /// left to finish (not approved, not out of budget), and no single run on this bus is newer.
    package static func isResumable(_ paths: BusPaths) -> Bool {
        guard let batch = try? BatchState.load(from: paths.batch), batch.tasks.contains(where: { !$0.status.isFinal })
        else { return false }
        guard let single = try? RunState.load(from: paths.state) else { return true }
        return single.updatedAt < batch.updatedAt
    }

    /// Runs (or resumes) the batch and returns its exit code (`BatchSummary.exitCode`).
    package func run() async throws -> LoopExitCode {
        let lock = try takeLock()
        defer { lock.releaseCleanly() }
        var batch = try request.resume ? resumedBatch() : newBatch()
        lock.update(
            owner: FileLock.Owner(
                pid: getpid(), host: ProcessInfo.processInfo.hostName, runID: batch.batchID,
                startedAt: Timestamp.now()))
        try batch.save(to: paths.batch)
        let control = RunControl(paths: paths, runID: batch.batchID)
        if request.resume, control.current() != nil {
            // `--resume` is the person's word to go on: a pause or stop left from before is done.
            control.consume()
        }
        let signal = await schedule(&batch)
        let stopped = signal == nil && control.current() == .stop && batch.tasks.contains { !$0.status.isFinal }
        control.consume()
        let summary = BatchSummary(batch: batch, paths: paths)
        let exitCode = stopped ? LoopExitCode.stopped : summary.exitCode(signal: signal)
        if stopped {
            console.info("batch stopped by `loop stop`; `\(paths.command("run --resume"))` continues it")
            EventLog(path: paths.events, taskID: "batch", runID: batch.batchID).record("batch_stopped")
        }
        batch.exitCode = exitCode.rawValue
        if !batch.tasks.contains(where: { [.pending, .running, .interrupted].contains($0.status) }) {
            batch.finishedAt = Timestamp.now()
        }
        try batch.save(to: paths.batch)
        EventLog(path: paths.events, taskID: "batch", runID: batch.batchID).record(
            "batch_finished", ["exit_code": .number(Double(batch.exitCode ?? 0))])
        for line in summary.table { console.info(line) }
        if batch.tasks.contains(where: { !$0.status.isFinal }) {
            console.info("continue with: \(paths.command("run --resume"))")
        }
        return exitCode
    }

    // MARK: - Setting up

    private func takeLock() throws -> FileLock {
        let owner = FileLock.Owner(
            pid: getpid(), host: ProcessInfo.processInfo.hostName, runID: "batch", startedAt: Timestamp.now())
        switch try FileLock.acquire(at: paths.lock, owner: owner) {
        case .heldBy(let holder):
            throw LoopError.locked(owner: holder?.summary ?? "owner unknown")
        case .acquired(let lock, let previous):
            if let previous { console.info("took over the bus lock from a PM that is gone (\(previous.summary))") }
            return lock
        }
    }

    /// Checks the cards (nothing starts on a mistake), warns about overlapping scopes, and
    /// writes the plan. The batch before it, if any, is kept in the archive.
    private func newBatch() throws -> BatchState {
        if let old = try? BatchState.load(from: paths.batch) {
            try Filesystem.copyIfPresent(paths.batch, to: "\(paths.archive)/batches/\(old.batchID).json")
            let open = old.tasks.filter { !$0.status.isFinal }.map(\.taskID)
            if !open.isEmpty {
                console.info(
                    "starting a new batch; the last one (\(old.batchID)) left \(open.joined(separator: ", ")) unfinished (kept in \(paths.display(paths.archive))/batches/)"
                )
            }
        }
        let plan = try BatchPlan(cardPaths: request.cardPaths, paths: paths)
        for warning in plan.overlapWarnings { console.warn(warning) }
        let parallel = request.parallel ?? 1
        let entries = plan.tasks.map {
            BatchState.Entry(taskID: $0.taskID, cardPath: $0.cardPath, dependsOn: $0.dependsOn)
        }
        let batch = BatchState(
            batchID: RunStarter.makeRunID().replacingOccurrences(of: "run-", with: "batch-"), parallel: parallel,
            flags: request.flags, tasks: entries)
        EventLog(path: paths.events, taskID: "batch", runID: batch.batchID).record(
            "batch_started",
            [
                "tasks": .array(entries.map { .string($0.taskID) }), "parallel": .number(Double(parallel)),
            ])
        console.info(
            "batch \(batch.batchID) · \(entries.count) task\(entries.count == 1 ? "" : "s") · \(parallel) at a time: \(entries.map(\.taskID).joined(separator: ", "))"
        )
        return batch
    }

    /// The batch in `batch.json`, with tasks a dead PM left running marked interrupted and
    /// blocked ones given another chance (the task that blocked them may be resumed now).
    private func resumedBatch() throws -> BatchState {
        guard var batch = try BatchState.load(from: paths.batch) else {
            throw LoopError.config("Nothing to resume: \(paths.display(paths.batch)) does not exist.")
        }
        if let parallel = request.parallel { batch.parallel = parallel }
        for (key, value) in request.flags { batch.flags[key] = value }
        batch.finishedAt = nil
        batch.exitCode = nil
        for index in batch.tasks.indices {
            switch batch.tasks[index].status {
            case .running, .failed: batch.tasks[index].status = .interrupted
            case .blocked:
                batch.tasks[index].status = .pending
                batch.tasks[index].reason = nil
            default: break
            }
        }
        EventLog(path: paths.events, taskID: "batch", runID: batch.batchID).record("batch_resumed")
        let open = batch.tasks.filter { !$0.status.isFinal }.map(\.taskID)
        console.info("resuming batch \(batch.batchID) · left: \(open.isEmpty ? "none" : open.joined(separator: ", "))")
        return batch
    }

    // MARK: - Scheduling

    /// Starts ready tasks while slots are free, records each as it ends, and marks dependents
    /// of unapproved tasks blocked. Returns the signal that stopped the batch, if one did.
    private func schedule(_ batch: inout BatchState) async -> Int32? {
        let control = RunControl(paths: paths, runID: batch.batchID)
        let trap = SignalTrap()
        let signals = trap.signals
        let children = Locked<[String: Int32]>([:])
        let received = Locked<Int32?>(nil)
        let forwarder = Task {
            for await signal in signals {
                received.set(signal)
                for pid in children.value.values where pid > 0 { kill(pid, signal) }
            }
        }
        defer {
            forwarder.cancel()
            withExtendedLifetime(trap) {}
        }
        let parallel = max(1, batch.parallel)
        await withTaskGroup(of: (String, Int32).self) { group in
            var running = 0
            var held = false
            while true {
                markBlocked(&batch)
                // `loop pause` / `loop stop` for the batch: no new task starts (the running ones
                // obey the same request themselves); a pause with nothing running waits here.
                let request = control.current()
                if request == .pause, !held {
                    held = true
                    console.info("batch paused by `loop pause`: no new task starts; `loop continue` goes on, `loop stop` ends the batch")
                    EventLog(path: paths.events, taskID: "batch", runID: batch.batchID).record("batch_held")
                } else if request != .pause, held {
                    held = false
                    if request != .stop {
                        console.info("batch continuing")
                        EventLog(path: paths.events, taskID: "batch", runID: batch.batchID).record("batch_continued")
                    }
                }
                if request == .pause, running == 0, received.value == nil, !readyTasks(batch).isEmpty {
                    try? await Task.sleep(for: control.pollInterval)
                    continue
                }
                // A task that could not start changes what is ready (its dependents are blocked).
                var refused = false
                if received.value == nil, request == nil || request == .continue {
                    for index in readyTasks(batch).prefix(max(0, parallel - running)) {
                        guard let launch = await prepareLaunch(&batch, index) else {
                            refused = true
                            try? batch.save(to: paths.batch)
                            continue
                        }
                        try? batch.save(to: paths.batch)
                        let id = batch.tasks[index].taskID
                        running += 1
                        group.addTask {
                            let code = await Self.runTask(launch, paths: paths) { pid in
                                children.withLock { $0[id] = pid }
                                // A signal that came while this task was starting reaches it too.
                                if let signal = received.value { kill(pid, signal) }
                            }
                            children.withLock { $0[id] = nil }
                            return (id, code)
                        }
                    }
                }
                if running == 0 && refused { continue }
                guard running > 0, let (id, code) = await group.next() else { break }
                running -= 1
                record(&batch, task: id, exitCode: code)
                try? batch.save(to: paths.batch)
            }
        }
        return received.value
    }

    /// Indexes of tasks that may start: pending or interrupted, every dependency approved.
    private func readyTasks(_ batch: BatchState) -> [Int] {
        batch.tasks.indices.filter { index in
            let task = batch.tasks[index]
            guard task.status == .pending || task.status == .interrupted else { return false }
            return task.dependsOn.allSatisfy { batch[task: $0]?.status == .approved }
        }
    }

    /// Pending tasks whose dependency failed, ran out of budget or is blocked itself.
    private func markBlocked(_ batch: inout BatchState) {
        var changed = true
        while changed {
            changed = false
            for index in batch.tasks.indices where batch.tasks[index].status == .pending {
                guard
                    let blocker = batch.tasks[index].dependsOn.first(where: {
                        batch[task: $0]?.status.blocksDependents == true
                    })
                else { continue }
                let status = batch[task: blocker]?.status.rawValue ?? "failed"
                batch.tasks[index].status = .blocked
                batch.tasks[index].reason =
                    "blocked: dependency \(blocker) \(status == "blocked" ? "is blocked" : "ended \(status)")"
                batch.tasks[index].finishedAt = Timestamp.now()
                console.info("\(batch.tasks[index].taskID): \(batch.tasks[index].reason ?? "blocked")")
                changed = true
            }
        }
    }

    /// What one task's `loop run` is started with.
    struct Launch: Sendable {
        var taskID: String
        var batchID: String
        var arguments: [String]
    }

    /// Marks the task running and builds its command line; nil (and the task failed) when it
    /// cannot start, e.g. its dependencies' approved work conflicts.
    private func prepareLaunch(_ batch: inout BatchState, _ index: Int) async -> Launch? {
        let entry = batch.tasks[index]
        let runPaths = paths.batchRun(task: entry.taskID)
        let existing = try? RunState.load(from: runPaths.state)
        // An interrupted task continues its own run (unless it ended approved or out of
        // budget, which `--resume` cannot continue); anything else starts a new run.
        let resume =
            entry.status == .interrupted && existing.map { $0.phase != .done && $0.phase != .exhausted } == true
        if resume { await waitForLock(of: runPaths) }
        var arguments = [
            request.executable, "run", "--loop-dir", paths.shared, "--run-folder", runPaths.root, "--task",
            entry.cardPath,
        ]
        if !batch.flags.isEmpty, let data = try? JSONEncoder.line.encode(batch.flags) {
            arguments += ["--batch-flags", String(decoding: data, as: UTF8.self)]
        }
        if resume {
            arguments.append("--resume")
        } else {
            if let existing, !existing.phase.isTerminal { arguments.append("--reset") }
            let heads = entry.dependsOn.compactMap { batch[task: $0]?.headSHA } + outsideHeads(entry)
            do {
                if let base = try await DependencyBase(repository: paths.repository).commit(
                    for: entry.taskID, approvedHeads: heads)
                {
                    arguments += ["--base-ref", base]
                }
            } catch {
                batch.tasks[index].status = .failed
                batch.tasks[index].reason = (error as? LoopError)?.errorDescription ?? "\(error)"
                batch.tasks[index].exitCode = LoopExitCode.roundFailed.rawValue
                batch.tasks[index].finishedAt = Timestamp.now()
                console.warn("\(entry.taskID): \(batch.tasks[index].reason ?? "cannot start")")
                return nil
            }
        }
        do {
            try linkSharedUsage(runPaths)
        } catch {
            console.warn(
                "\(entry.taskID): \(error.localizedDescription); the built-in agent's token counts of this task will be missing from usage.jsonl"
            )
        }
        batch.tasks[index].status = .running
        batch.tasks[index].startedAt = Timestamp.now()
        batch.tasks[index].finishedAt = nil
        batch.tasks[index].reason = nil
        EventLog(path: paths.events, taskID: entry.taskID, runID: batch.batchID).record(
            "batch_task_started", ["resume": .bool(resume)])
        console.info("\(entry.taskID): \(resume ? "resuming" : "starting") (\(paths.display(runPaths.root)))")
        return Launch(taskID: entry.taskID, batchID: batch.batchID, arguments: arguments)
    }

    /// The built-in agent appends its token counts to `$LOOP_BUS_DIR/usage.jsonl`, which for a
    /// batch task is its run folder: a link there to the shared `usage.jsonl` puts them where
    /// budgets, `loop cost` and the summary read them.
    private func linkSharedUsage(_ runPaths: BusPaths) throws {
        let link = runPaths.file(BusPaths.usage)
        try Filesystem.createDirectory(runPaths.root)
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) != nil { return }
        if Filesystem.exists(link) { return }  // a file of an older loop: leave it
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "../../\(BusPaths.usage)")
    }

    /// After a kill -9 of the batch PM its task runs get SIGTERM and save their state: give
    /// them a few seconds to let go of their run folder's lock before resuming there.
    private func waitForLock(of runPaths: BusPaths) async {
        let deadline = ContinuousClock.now + .seconds(15)
        while FileLock.isHeld(at: runPaths.lock), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Approved commits of the task's dependencies outside the batch (approved before it).
    private func outsideHeads(_ entry: BatchState.Entry) -> [String] {
        guard let card = try? TaskCard.load(from: entry.cardPath) else { return [] }
        let history = TaskHistory(paths: paths)
        return card.dependencies.filter { !entry.dependsOn.contains(TaskCard.safeTaskID($0)) }.compactMap {
            history.lastOutcome(task: $0).flatMap { $0.result == .approved ? $0.headSHA : nil }
        }
    }

    /// Runs one task's `loop run` in our process group (a Ctrl+C in the terminal reaches it
    /// directly) and returns its exit code. Its progress lines name the task
    /// (`Console.taskTagVariable`), so tasks running side by side can be told apart.
    static func runTask(_ launch: Launch, paths: BusPaths, started: @escaping @Sendable (Int32) -> Void) async
        -> Int32
    {
        do {
            return try await ProcessRunner.runInheritingOutput(
                launch.arguments, in: paths.repository,
                environment: [
                    batchMarker: String(getpid()), Console.taskTagVariable: launch.taskID,
                    RunControl.batchIDVariable: launch.batchID,
                ],
                started: started)
        } catch {
            return LoopExitCode.roundFailed.rawValue
        }
    }

    /// Reads how the task's run ended from its run folder and records it.
    private func record(_ batch: inout BatchState, task id: String, exitCode: Int32) {
        guard let index = batch.tasks.firstIndex(where: { $0.taskID == id }) else { return }
        let runPaths = paths.batchRun(task: id)
        let state = try? RunState.load(from: runPaths.state)
        var entry = batch.tasks[index]
        entry.exitCode = exitCode
        entry.finishedAt = Timestamp.now()
        if let state {
            entry.runID = state.runID
            entry.rounds = state.round
            entry.branch = state.branch
            entry.headSHA = state.headSHA
        }
        let outcome = Outcome.load(runPaths.outcome).flatMap { outcome in
            outcome.runID == state?.runID && outcome.finishedAt >= (entry.startedAt ?? "") ? outcome : nil
        }
        if let outcome {
            entry.status =
                switch outcome.result {
                case .approved: .approved
                case .exhausted: .exhausted
                case .failed: .failed
                case .interrupted, .paused, .stopped: .interrupted  // stopped: `loop stop`, resumable
                }
            entry.reason =
                outcome.result == .paused ? "paused on a usage limit: \(outcome.reason ?? "")" : outcome.reason
            entry.headSHA = outcome.headSHA
            entry.mergeCommand = outcome.mergeCommand
            entry.durationS = outcome.durationS
            entry.rounds = outcome.rounds
        } else if exitCode == 130 || exitCode == 143 || exitCode == 128 + SIGKILL {
            entry.status = .interrupted
            entry.reason = "its loop run stopped (exit \(exitCode)) before writing an outcome"
        } else {
            entry.status = .failed
            entry.reason =
                "its loop run exited with \(exitCode) without an outcome; the lines above say why (\(paths.display(runPaths.root)))"
        }
        if let runID = entry.runID {
            let prices = OptionResolver.prices(configPath: paths.config)
            entry.tokens = UsageSummary.load(paths.usage, runID: runID, prices: prices).tokens
        }
        batch.tasks[index] = entry
        EventLog(path: paths.events, taskID: id, runID: batch.batchID).record(
            "batch_task_finished", ["status": .string(entry.status.rawValue), "exit_code": .number(Double(exitCode))])
        console.info("\(id): \(entry.status.rawValue)\(entry.reason.map { " — \($0)" } ?? "")")
    }
}
