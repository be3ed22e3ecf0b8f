import ArgumentParser
import Foundation
import LoopBackends
import LoopCore

/// `loop run`: the PM loop.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the task card through worker and reviewer rounds until approval.",
        discussion: """
            The PM hands .loop/task_card.json to the worker, commits and verifies its
            change, hands it to the reviewer, and turns blocking issues into a fix list,
            round after round. By default the worker works in a git worktree
            .loop/worktrees/<task_id> on branch loop/<task_id>; your checkout is never
            touched.

            Without --auto-dispatch the PM writes the prompts and waits for reports
            written by people or other processes.

            Several --task cards, or --all (every card in .loop/tasks/), make a batch:
            each task runs in its own worktree and branch, --parallel N at a time, each
            once the tasks in its depends_on are approved; one table at the end. A batch
            exits 0 only when every task is approved; otherwise 130/143 when interrupted,
            75 when a task is left to resume, the failed task's code (3, or 1/4/5 when it
            could not start), 3 when a task is blocked by a dependency, 2 when a task ran
            out of budget. `loop run --resume` continues a stopped batch.

            Examples:
              loop run --auto-dispatch --worker-backend codex --reviewer-backend claude
              loop run --resume
              loop run --single-round --round 2
              loop run --all --parallel 2 --auto-dispatch

            Options not given fall back to LOOP_* environment variables, then
            .loop/config.yaml, then the defaults shown.

            \(LoopExitCode.helpText)
            """
    )

    @OptionGroup var bus: LoopDirOption
    @Option(help: "Task card to run; repeat it to run several as a batch. (default: <loop dir>/task_card.json)")
    var task: [String] = []
    @Flag(help: "Run every card in <loop dir>/tasks/ as a batch.") var all = false
    @Option(help: "Batch: tasks run at the same time. (default: 1)") var parallel: Int?
    @Option(help: .hidden) var runFolder: String?
    @Option(help: .hidden) var baseRef: String?
    @Option(help: .hidden) var batchFlags: String?
    @Option(help: "Round budget. (default: 3, or the card's max_rounds)") var maxRounds: Int?
    @Option(help: "Manual mode: seconds to wait for each report; 0 = no limit. (default: 0)") var timeout: Int?
    @Flag(help: "Start the agents automatically (otherwise wait for reports written by others).") var autoDispatch =
        false
    @Option(help: "Backend for the worker. (default: codex)") var workerBackend: String?
    @Option(help: "Backend for the reviewer. (default: claude)") var reviewerBackend: String?
    @Option(help: "Model for the worker (backend default when unset).") var workerModel: String?
    @Option(help: "Model for the reviewer (backend default when unset).") var reviewerModel: String?
    @Option(help: "Seconds one agent run may take; 0 = no limit. (default: 600)") var dispatchTimeout: Int?
    @Option(help: "Retries after a failed agent run. (default: 2)") var dispatchRetries: Int?
    @Option(help: "First retry delay in seconds; doubles, capped at 60. (default: 5)") var dispatchRetryBaseSec: Int?
    @Option(help: "Seconds to wait for the report after the agent exits. (default: 90)") var artifactTimeout: Int?
    @Option(help: "Seconds without output before an agent counts as hung; 0 = no limit. (default: 300)")
    var idleTimeout: Int?
    @Option(help: "Seconds each verify command may take.") var verifyTimeout: Int?
    @Flag(help: "Manual mode: end the wait when the role's heartbeat goes stale.") var requireHeartbeat = false
    @Option(help: "Seconds after which a heartbeat is stale.") var heartbeatTTL: Int?
    @Flag(help: "Run one round (used by the PM for each round; also usable by hand).") var singleRound = false
    @Option(help: "The round to run with --single-round.") var round: Int?
    /// The PM's round subprocess started ahead of its round (RoundProcess): the round number
    /// comes on stdin.
    @Flag(help: .hidden) var standby = false
    @Flag(help: "Continue the run in state.json after Ctrl+C, SIGTERM, kill -9, a failure or a usage-limit pause.")
    var resume = false
    @Flag(help: "Archive and clear the bus and state first (never the task card or the lock).") var reset = false
    @Flag(help: "With --in-place: work even if the checkout has uncommitted changes (they are never committed).")
    var allowDirty = false
    @Flag(help: "Work in the current checkout and branch instead of a task worktree (clean tree required).")
    var inPlace = false
    @Flag(help: "On an agent's usage limit, save state and exit 75 instead of waiting.") var noWaitOnLimit = false
    @Flag(help: "Show the agents' output lines as they arrive.") var verbose = false
    @Flag(help: "Print only the result line (warnings still go to stderr). Also LOOP_QUIET=1.") var quiet = false
    @Flag(
        help:
            "Plain timestamped lines, no live status block (also when not a terminal, NO_COLOR or CI). Also LOOP_PLAIN=1."
    )
    var plain = false
    @Option(help: "Run budget: stop cleanly once this many tokens are spent; 0 = none. (default: 0)") var maxTokens:
        Int?
    @Option(help: "Run budget in US dollars (reported costs, or prices: in config.yaml); 0 = none. (default: 0)")
    var maxCost: Double?
    @Option(
        help: ArgumentHelp(
            "Run budget in seconds of running (a stop before --resume does not count); an agent or verify "
                + "command still running at it is ended. 0 = none. (default: 0)"))
    var maxDuration: Int?
    @Option(
        help:
            "Stop (exhausted, no progress) after this many rounds in a row end with the same tree and the same failing verify commands; 0 = never. (default: 2)"
    )
    var maxStalledRounds: Int?
    @Flag(help: "Built-in agent: allow shell commands without bubblewrap (a blocklist is the only guard).")
    var unsafeShell = false
    @Flag(
        help:
            "Run verify commands without bubblewrap: full environment, network and file system. Also LOOP_UNSAFE_VERIFY=1."
    )
    var unsafeVerify = false
    @Flag(
        help: "Run external agent CLIs (codex, claude, command backends) inside bubblewrap. Also LOOP_AGENT_SANDBOX=1.")
    var agentSandbox = false

    @Option(help: "Lane workers of one stage that run at once (a card with lanes); 1 = one after another. (default: 1)")
    var maxParallelWorkers: Int?

    mutating func validate() throws {
        if let maxRounds, maxRounds < 1 { throw ValidationError("--max-rounds must be at least 1.") }
        if let round, round < 1 { throw ValidationError("--round must be at least 1.") }
        if round != nil && !singleRound { throw ValidationError("--round goes with --single-round.") }
        if resume && reset { throw ValidationError("--resume and --reset cannot be combined: --reset starts over.") }
        if let maxCost, maxCost < 0 { throw ValidationError("--max-cost must not be negative.") }
        if let maxStalledRounds, maxStalledRounds < 0 {
            throw ValidationError("--max-stalled-rounds must not be negative.")
        }
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1.") }
        if all && !task.isEmpty {
            throw ValidationError("--all runs every card in the tasks folder; leave out --task.")
        }
        if isNewBatch && (singleRound || runFolder != nil) {
            throw ValidationError("--single-round runs one round of one run; leave out --all and the extra --task.")
        }
        if isNewBatch && resume {
            throw ValidationError("--resume continues the last batch as it was; leave out --all and --task.")
        }
        if parallel != nil && !isNewBatch && !resume {
            throw ValidationError("--parallel goes with a batch: --all, or --task given more than once.")
        }
        if quiet && verbose { throw ValidationError("--quiet and --verbose cannot be combined.") }
    }

    /// `--all` or several `--task`: a new batch.
    private var isNewBatch: Bool { all || task.count > 1 }

    func run() async throws {
        let paths = bus.paths
        var flags = flagValues()
        if let batchFlags {
            // A batch task's run: the batch's flags, then its own.
            guard let data = batchFlags.data(using: .utf8),
                case .object(let given)? = try? JSONDecoder().decode(JSONValue.self, from: data)
            else { throw ValidationError("--batch-flags must be a JSON object of options.") }
            flags = given.merging(flags) { _, own in own }
        }
        let resolved = try OptionResolver.resolve(
            configPath: paths.config, environment: ProcessInfo.processInfo.environment, flags: flags)
        // --plain and --quiet reach the round subprocesses through the environment they inherit.
        let environment = ProcessInfo.processInfo.environment
        let quiet = quiet || environment["LOOP_QUIET"] == "1"
        let plain = plain || environment["LOOP_PLAIN"] == "1"
        if quiet { Terminal.export("LOOP_QUIET", "1") }
        if plain { Terminal.export("LOOP_PLAIN", "1") }
        if isNewBatch || (resume && task.isEmpty && runFolder == nil && !singleRound && BatchRunner.isResumable(paths))
        {
            try await runBatch(paths: paths, flags: flags, options: resolved.options, warnings: resolved.warnings)
            return
        }
        if parallel != nil {
            throw LoopError.config(
                "--parallel goes with a batch, and \(paths.display(paths.batch)) has no batch left to resume; use --all or several --task."
            )
        }
        let taskPath = task.first
        if !resume && !singleRound && runFolder == nil,
            let card = try? TaskCard.load(from: Filesystem.absolute(taskPath ?? paths.taskCard)),
            let problem = TaskHistory(paths: paths).loneRunProblem(card)
        {
            throw problem
        }
        let console = Console(isVerbose: resolved.options.verbose, isQuiet: quiet)
        if !singleRound || ProcessInfo.processInfo.environment[RunController.parentMarker] == nil {
            for warning in resolved.warnings { console.warn(warning) }
        }
        var request = RunRequest(
            loopDir: paths.root, taskPath: taskPath, options: resolved.options, explicitKeys: resolved.explicitKeys,
            resume: resume, reset: reset, singleRound: singleRound, round: round)
        request.runFolder = runFolder
        request.baseRef = baseRef
        request.standby = standby && singleRound && round == nil
        if !singleRound { request.backends = resolved.backends }
        try await Self.run(
            request, backends: resolved.backends, console: console,
            liveView: singleRound && LiveView.isWanted(plain: plain, quiet: quiet), environment: environment)
    }

    /// Runs the request: the outer PM, or one round (`--single-round`), which draws the live
    /// block, as the process that prints while agents work. Also the round subprocess's fast
    /// start (`RoundChild`).
    static func run(
        _ request: RunRequest, backends: [String: BackendConfig], console: Console, liveView: Bool,
        environment: [String: String]
    ) async throws {
        var request = request
        // A round subprocess of the PM says `done` on this pipe when its round's files are written.
        let done = request.singleRound ? GoPipe.takeDoneDescriptor() : nil
        var controller = RunController(
            request: request, dispatcher: BackendDispatcher(configured: backends),
            templates: CommandSupport.builtInTemplates, console: console, executable: CommandSupport.executablePath)
        if request.standby {
            // Started by the PM ahead of its round (RoundProcess): warm up, then wait for the
            // round number on stdin. Nothing of the run is read for the round before it comes;
            // end of file means the round is not needed, and the process leaves without a trace.
            controller.warmUp()
            guard let line = GoPipe.readLine(), let round = Int(line) else { return }
            request.standby = false
            request.round = round
            controller.request = request
        }
        let live =
            liveView
            ? LiveView(paths: BusPaths(loopDir: request.loopDir), interval: LiveView.interval(environment)) : nil
        live?.start()
        let code: LoopExitCode
        do {
            code = try await controller.run()
            live?.stop()
        } catch {
            live?.stop()
            throw error
        }
        // The round's files are all written; only the exit is left.
        if let done { GoPipe.sayDone(code: code.rawValue, on: done) }
        if code != .approved { throw ExitCode(code.rawValue) }
    }

    /// `loop run --all`, several `--task`, or `--resume` of a stopped batch.
    private func runBatch(paths: BusPaths, flags: [String: JSONValue], options: RunOptions, warnings: [String])
        async throws
    {
        let console = Console(isVerbose: options.verbose)
        for warning in warnings { console.warn(warning) }
        if options.inPlace {
            throw LoopError.config(
                "A batch runs each task in its own worktree; --in-place (in_place in config.yaml or LOOP_IN_PLACE) cannot be used with it."
            )
        }
        var cardPaths = task.map { Filesystem.absolute($0) }
        if all {
            cardPaths = TaskCardLocator(folder: paths.tasks).cardFiles()
            // loop-kit marks a finished task's card `"status": "done"`: it is not run again.
            let done = cardPaths.filter { TaskCardLocator.isMarkedDone($0) }
            if !done.isEmpty {
                console.info(
                    "skipping cards marked \"status\": \"done\": \(done.map(paths.display).joined(separator: ", "))")
                cardPaths.removeAll { done.contains($0) }
            }
            if cardPaths.isEmpty {
                throw LoopError.config(
                    "--all found no cards in \(paths.display(paths.tasks)); put one task card per file there (e.g. T-1.json)."
                )
            }
        }
        let request = BatchRequest(
            paths: paths, cardPaths: cardPaths, parallel: parallel, flags: flags, resume: resume,
            executable: CommandSupport.executablePath)
        let code = try await BatchRunner(request: request, console: console).run()
        if code != .approved { throw ExitCode(code.rawValue) }
    }

    /// The options given as flags, by config key.
    private func flagValues() -> [String: JSONValue] {
        var flags: [String: JSONValue] = [:]
        func set(_ key: String, _ value: Int?) { if let value { flags[key] = .number(Double(value)) } }
        func set(_ key: String, _ value: String?) { if let value { flags[key] = .string(value) } }
        set("max_rounds", maxRounds)
        set("timeout", timeout)
        set("worker_backend", workerBackend)
        set("reviewer_backend", reviewerBackend)
        set("worker_model", workerModel)
        set("reviewer_model", reviewerModel)
        set("dispatch_timeout", dispatchTimeout)
        set("dispatch_retries", dispatchRetries)
        set("dispatch_retry_base_sec", dispatchRetryBaseSec)
        set("artifact_timeout", artifactTimeout)
        set("idle_timeout", idleTimeout)
        set("verify_timeout", verifyTimeout)
        set("heartbeat_ttl", heartbeatTTL)
        if autoDispatch { flags["auto_dispatch"] = .bool(true) }
        if requireHeartbeat { flags["require_heartbeat"] = .bool(true) }
        if allowDirty { flags["allow_dirty"] = .bool(true) }
        if inPlace { flags["in_place"] = .bool(true) }
        if noWaitOnLimit { flags["wait_on_limit"] = .bool(false) }
        if verbose { flags["verbose"] = .bool(true) }
        if unsafeShell { flags["unsafe_shell"] = .bool(true) }
        if unsafeVerify { flags["unsafe_verify"] = .bool(true) }
        if agentSandbox { flags["agent_sandbox"] = .bool(true) }
        set("max_tokens", maxTokens)
        set("max_duration", maxDuration)
        set("max_stalled_rounds", maxStalledRounds)
        set("max_parallel_workers", maxParallelWorkers)
        if let maxCost { flags["max_cost"] = .number(maxCost) }
        return flags
    }
}
