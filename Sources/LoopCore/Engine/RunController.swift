import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `loop run`: the PM's outer loop. It takes the bus lock, starts or resumes a run, runs each
/// round as a fresh `loop run --single-round` subprocess (started ahead of its round and told
/// its number, see RoundProcess), and writes the outcome.
///
/// The outer PM only reads files between rounds: `state.json` is the source of truth.
package struct RunController: Sendable {
    /// The request. Its bus folders (`loopDir`, `repository`, `runFolder`) must not change
    /// after `init`: `paths` is computed from them once.
    package var request: RunRequest
    package var dispatcher: any AgentDispatcher
    package var templates: PromptTemplates
    package var console: Console
    /// The `loop` executable, to spawn round subprocesses.
    package var executable: String

    /// Environment marker telling a round subprocess which PM (pid) holds the lock for it.
    package static let parentMarker = "LOOP_PM_PID"
    /// Environment marker telling a batch task's `loop run` which batch PM (pid) started it.
    package static let batchMarker = "LOOP_BATCH_PID"

    package init(
        request: RunRequest, dispatcher: any AgentDispatcher, templates: PromptTemplates, console: Console,
        executable: String
    ) {
        self.request = request
        self.dispatcher = dispatcher
        self.templates = templates
        self.console = console
        self.executable = executable
        paths = BusPaths(
            loopDir: request.loopDir, cwd: request.repository ?? FileManager.default.currentDirectoryPath,
            runFolder: request.runFolder)
    }

    /// The bus, once: a `BusPaths` is the working directory plus a standardized path, which
    /// cost a round's subprocess about 0.4 ms when it was computed at every use.
    let paths: BusPaths

    /// Runs the request and returns the exit code; user errors are thrown as `LoopError`.
    package func run() async throws -> LoopExitCode {
        if request.singleRound, let parent = ProcessInfo.processInfo.environment[Self.parentMarker],
            Int32(parent) == getppid()
        {
            ProcessControl.dieWithParent(signal: SIGTERM)
            guard getppid() == Int32(parent) else { return .interrupted }
            return try await runRoundChild()
        }
        if let parent = ProcessInfo.processInfo.environment[Self.batchMarker], Int32(parent) == getppid() {
            // A batch task's run dies with its batch PM, as a round dies with its PM.
            ProcessControl.dieWithParent(signal: SIGTERM)
            guard getppid() == Int32(parent) else { return .interrupted }
        }
        let lock = try takeLock()
        defer { lock.releaseCleanly() }
        if request.options.autoDispatch {
            for note in dispatcher.isolationNotes(options: request.options) { console.info(note) }
        }
        sweepStaleTemps()
        reapOrphans()
        try ensureGitignore()
        // Under the lock: a second `loop run`, refused above, must not replace this run's copy.
        if !request.singleRound, let backends = request.backends {
            try BackendsSnapshot.write(backends, paths: paths)
        }

        if request.reset { try resetBus() }
        var state = try await prepareState()
        lock.update(
            owner: FileLock.Owner(
                pid: getpid(), host: ProcessInfo.processInfo.hostName, runID: state.runID, startedAt: Timestamp.now()))
        if request.singleRound {
            guard request.round == nil || request.round == state.round else {
                throw LoopError.config(
                    "--round \(request.round ?? 0) does not match the run, which is at round \(state.round) (\(state.phase.rawValue))."
                )
            }
            let (code, final) = await runEngine(try context(for: state), state)
            state = final
            guard let result = state.result else { return code }
            // SIGTERM ends an interrupted run with 143, SIGINT with 130: the outcome and the
            // event carry the code the process really exits with.
            let exit = result == .interrupted ? code : result.exitCode
            writeOutcome(state, code: exit)
            return exit
        }
        return try await outerLoop(state)
    }

    // MARK: - Outer loop

    private func outerLoop(_ initial: RunState) async throws -> LoopExitCode {
        let trap = SignalTrap()
        let signals = trap.signals
        let active = Locked<RoundProcess?>(nil)
        let received = Locked<Int32?>(nil)
        let forwarder = Task {
            for await signal in signals {
                received.set(signal)
                let pid = active.value?.pid ?? 0
                if pid > 0 { kill(pid, signal) }
            }
        }
        defer {
            forwarder.cancel()
            withExtendedLifetime(trap) {}
        }
        // The next round's subprocess, started while this round runs (see RoundProcess).
        let standby = Locked<RoundProcess?>(nil)
        // The last round subprocess that said `done` and may still be exiting (see `rounds`).
        let ended = Locked<RoundProcess?>(nil)
        do {
            let code = try await rounds(
                from: initial, active: active, standby: standby, ended: ended, received: received)
            await dismiss(standby, ended: ended)
            return code
        } catch {
            await dismiss(standby, ended: ended)
            throw error
        }
    }

    /// Runs rounds until the run ends; each in a subprocess told its round by `go`.
    private func rounds(
        from initial: RunState, active: Locked<RoundProcess?>, standby: Locked<RoundProcess?>,
        ended: Locked<RoundProcess?>, received: Locked<Int32?>
    ) async throws -> LoopExitCode {
        var state = initial
        reportStaleControlRequest(state)
        while !state.phase.isTerminal {
            if await isStopRequestedBetweenRounds(state, signalled: { received.value != nil }) {
                return stopBetweenRounds(&state)  // loop pause / loop stop (RunControl+RunController)
            }
            if let signal = received.value { return interrupted(&state, signal: signal) }
            let round = state.round
            let process = try standby.take() ?? startRoundProcess()
            active.set(process)
            process.go(round: round)
            // A signal that came before the child had its round is forwarded now.
            if let signal = received.value, process.pid > 0 { kill(process.pid, signal) }
            // The previous round's process, gone by now in all but name: reaped, not piled up.
            if let previous = ended.take() { _ = try? await previous.exitCode() }
            // The next round's process starts a little later, so that its warm-up does not take
            // a CPU from this round's own start (the few milliseconds before its first agent).
            async let next: RoundProcess? = {
                try? await Task.sleep(for: Self.standbyDelay)
                return Task.isCancelled ? nil : try? startRoundProcess()
            }()
            // Its `done`, not its exit: the kernel's teardown of the old process overlaps the next round.
            let code = try await process.finished()
            active.set(nil)
            ended.set(process)
            standby.set(await next)
            guard let reloaded = try RunState.load(from: paths.state) else {
                throw LoopError.roundFailed("state.json disappeared during round \(round)")
            }
            state = reloaded
            if let signal = received.value, !state.phase.isTerminal || state.result == .interrupted {
                return interrupted(&state, signal: signal)
            }
            switch state.phase {
            case .done, .exhausted:
                break
            case .failed:
                break
            case .interrupted:
                return finish(state, result: .interrupted, code: code == 143 ? .terminated : .interrupted)
            case .paused:
                return finish(state, result: .paused, code: .pausedOnLimit)
            case .stopped:
                return finish(state, result: .stopped, code: .stopped)
            case .working where state.round == round + 1 && code == 0:
                continue
            default:
                // The round subprocess died without saving a decision (crash, kill): keep the first reason.
                state.fail("round \(round) subprocess exited with status \(code) in phase \(state.phase.rawValue)")
                try state.save(to: paths.state)
            }
        }
        // The PM's commits skip git's automatic maintenance (one process a round); the run
        // does it once, at its end.
        if !state.workdir.isEmpty { await Git(directory: state.workdir).maintainOnce() }
        switch state.phase {
        case .done: return finish(state, result: .approved, code: .approved)
        case .exhausted: return finish(state, result: .exhausted, code: .exhausted)
        default: return finish(state, result: .failed, code: .roundFailed)
        }
    }

    /// How long after a round's start the next round's process is started.
    static let standbyDelay = Duration.milliseconds(5)

    /// A round subprocess waiting for its round: `loop run --single-round --standby`.
    private func startRoundProcess() throws -> RoundProcess {
        try RoundProcess(
            arguments: [executable, "run", "--single-round", "--standby", "--loop-dir", paths.shared]
                + (paths.isBatchRun ? ["--run-folder", paths.root] : []),
            in: paths.repository, environment: [Self.parentMarker: String(getpid())])
    }

    /// Ends a waiting round subprocess that is not needed (the run is over) and waits for it and
    /// for every round subprocess still exiting, so no process of the PM outlives it.
    private func dismiss(_ standby: Locked<RoundProcess?>, ended: Locked<RoundProcess?>) async {
        if let process = standby.take() {
            process.dismiss()
            _ = try? await process.exitCode()
        }
        if let process = ended.take() { _ = try? await process.exitCode() }
    }

    private func interrupted(_ state: inout RunState, signal: Int32) -> LoopExitCode {
        let interruption = Interruption(signal: signal)
        if state.result != .interrupted {
            interruption.stop(&state)
            try? state.save(to: paths.state)
        }
        return finish(state, result: .interrupted, code: interruption.exitCode)
    }

    func finish(_ state: RunState, result: RunResult, code: LoopExitCode) -> LoopExitCode {
        let outcome = writeOutcome(state, result: result, code: code)
        printSummary(outcome)
        return code
    }

    @discardableResult
    private func writeOutcome(_ state: RunState, result: RunResult? = nil, code: LoopExitCode? = nil) -> Outcome {
        let outcome = Outcome(state: state, result: result ?? state.result ?? .failed, exitCode: code)
        do {
            try outcome.write(to: paths.outcome)
            try Archive(paths: paths, taskID: state.taskID, runID: state.runID).keep(
                paths.outcome, round: state.round, as: "outcome.json")
        } catch {
            console.warn("could not write outcome.json: \(error.localizedDescription)")
        }
        EventLog(path: paths.events, taskID: state.taskID, runID: state.runID).record(
            "run_finished", round: state.round,
            ["result": .string(outcome.result.rawValue), "exit_code": .number(Double(outcome.exitCode))])
        return outcome
    }

    private func printSummary(_ outcome: Outcome) {
        var line =
            "\(outcome.taskID): \(outcome.result.rawValue) after \(outcome.rounds) round\(outcome.rounds == 1 ? "" : "s") (\(outcome.durationS) s)"
        if let reason = outcome.reason { line += " — \(reason)" }
        console.result(line)
        if let merge = outcome.mergeCommand {
            console.info(
                "branch \(outcome.branch) at \(outcome.headSHA?.prefix(12) ?? "-"); bring it into your branch with: \(merge)"
            )
        } else if outcome.result != .approved, outcome.headSHA != outcome.baseSHA, !outcome.branch.isEmpty {
            console.info("the work so far is on \(outcome.branch) (not approved)")
        }
        if [.interrupted, .paused, .failed, .stopped].contains(outcome.result) {
            console.info("continue with: \(paths.command("run --resume"))")
        }
    }

    // MARK: - Round subprocess

    private func runRoundChild() async throws -> LoopExitCode {
        guard let state = try RunState.load(from: paths.state) else {
            throw LoopError.config("No run to continue: \(paths.display(paths.state)) is missing.")
        }
        guard request.round == nil || request.round == state.round else {
            throw LoopError.config("--round \(request.round ?? 0) does not match state.json (round \(state.round)).")
        }
        return await runEngine(try context(for: state), state).0
    }

    /// What a standby round subprocess (`--standby`, see RoundProcess) does before it knows its
    /// round: the first decoding and encoding of the run's state and card, whose type look-ups
    /// and code pages the Swift runtime and the kernel load once per process. It only reads,
    /// and keeps nothing: the round itself reads every file again.
    package func warmUp() {
        guard let state = try? RunState.load(from: paths.state) else { return }
        _ = try? JSONEncoder.bus.encode(state)
        _ = try? Event(event: "warm_up", taskID: state.taskID, runID: state.runID, round: state.round).encodedLine()
        _ = try? context(for: state)
    }

    private func context(for state: RunState) throws -> RoundContext {
        let snapshot = state.cardSnapshot(paths)
        let card = try TaskCard.load(from: Filesystem.exists(snapshot) ? snapshot : state.taskPath)
        guard card.taskID == state.taskID else {
            throw LoopError.config(
                "The task card now has task_id \(card.taskID), but the run is for \(state.taskID). Restore the card, or start over with --reset."
            )
        }
        return RoundContext(
            paths: paths, card: card, dispatcher: dispatcher.configured(for: state.options),
            templates: PromptTemplates.load(from: paths.templates, defaults: templates),
            repository: paths.repository, console: console)
    }

    /// Runs the engine while trapping SIGINT/SIGTERM: a signal cancels the round, the engine
    /// stops its agents' groups and saves the run as interrupted.
    private func runEngine(_ context: RoundContext, _ state: RunState) async -> (LoopExitCode, RunState) {
        let trap = SignalTrap()
        let signals = trap.signals
        let received = Locked<Int32?>(nil)
        let work = Task {
            let engine = RoundEngine(context: context, state: state)
            let code = await engine.run(interruptedBy: { received.value })
            return (code, engine.finalState)
        }
        let watcher = Task {
            for await signal in signals {
                received.set(signal)
                work.cancel()
            }
        }
        let result = await work.value
        watcher.cancel()
        withExtendedLifetime(trap) {}
        return result
    }
}
