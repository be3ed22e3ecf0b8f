import ArgumentParser
import Foundation
import LoopBackends
import LoopCore

/// `loop demo`: a real `loop run` on a throwaway copy of the bundled example project.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the loop end to end on a throwaway copy of the bundled example.",
        discussion: """
            Creates a git repository from examples/hello (a bash script that exits 0
            on an error, with a test), and runs `loop run --auto-dispatch` on it with
            the built-in agent as worker and reviewer, against the first model server
            it finds: Ollama at OLLAMA_HOST (default http://127.0.0.1:11434), then an
            OpenAI-compatible server at OPENAI_BASE_URL. With none, it says how to get
            one and exits 1.

            The task is a one-line bug, sized for a tiny model: SmolLM2-135M (from
            scripts/local-model) usually fixes it in round 1. A run that does not get
            there ends with its rounds used up. The demo exits 0 once the run has
            reached its end, whatever the result (printed, and in .loop/outcome.json);
            1 when no model server is found; 130/143 when interrupted.

            With --scripted, the bundled stand-in agents (examples/agents, not AI) play
            worker and reviewer instead and the task is approved in round 2.

            Examples:
              loop demo
              loop demo --model qwen2.5-coder:7b --max-rounds 3
              loop demo --scripted --dir /tmp/my-demo
            """
    )

    @Option(help: "Where to create the demo (must not exist).") var dir: String?
    @Flag(help: "Use the bundled scripted stand-in agents (not AI) instead of a model.") var scripted = false
    @Option(help: "Model to use (default: the server's first model).") var model: String?
    @Option(help: "Round budget.") var maxRounds: Int = 2
    @Option(help: "Model calls per worker round.") var maxSteps: Int = 8
    @Flag(help: "Run the worker's shell commands (blocklist only) and the verify commands without bubblewrap.")
    var unsafeShell = false
    @Flag(help: "Show the agents' output lines.") var verbose = false

    func run() async throws {
        // First, before any folder, model server search or round: the run needs bubblewrap.
        if !unsafeShell, case .unusable(let problem) = await BubblewrapProbe.detect() {
            throw LoopError.config(
                "loop demo needs bubblewrap, but \(problem): install it (apt-get install bubblewrap; scripts/local-model setup does), or pass --unsafe-shell to run without a sandbox.")
        }
        let root = try makeRoot()
        let repo = "\(root)/repo"
        let agents = "\(root)/agents"
        try EmbeddedFiles.write(under: "examples/hello", to: repo)
        try EmbeddedFiles.write(under: "examples/agents", to: agents)
        try await git(["init", "-q", "-b", "main"], in: repo)
        try await git(["add", "-A"], in: repo)
        try await git(
            [
                "-c", "user.name=loop demo", "-c", "user.email=demo@localhost", "commit", "-q", "-m",
                "hello: example project",
            ],
            in: repo)
        let loopDir = "\(repo)/.loop"
        _ = try SkeletonInstaller(loopDir: loopDir).install()
        try FileManager.default.moveItem(atPath: "\(repo)/task_card.json", toPath: "\(loopDir)/task_card.json")
        try await git(["rm", "-q", "--cached", "task_card.json"], in: repo)
        try await git(
            [
                "-c", "user.name=loop demo", "-c", "user.email=demo@localhost", "commit", "-q", "-m",
                "move the task card onto the bus",
            ], in: repo)
        // Backends live in config.yaml, which every round subprocess reads, as in a real repository.
        let config = "\(loopDir)/config.yaml"
        var options = RunOptions()
        options.autoDispatch = true
        options.maxRounds = maxRounds
        options.maxRoundsExplicit = true
        options.dispatchRetryBaseSec = 1
        options.verbose = verbose
        options.unsafeShell = unsafeShell
        options.unsafeVerify = unsafeShell
        let console = Console(isVerbose: verbose)
        let addition: String
        if scripted {
            addition = """

                  # Added by `loop demo --scripted`: the bundled scripted stand-in agents (not AI).
                  scripted-worker:
                    command: ["\(agents)/scripted-worker"]
                  scripted-reviewer:
                    command: ["\(agents)/scripted-reviewer"]

                """
            options.workerBackend = "scripted-worker"
            options.reviewerBackend = "scripted-reviewer"
            console.info("agents: the bundled scripted stand-ins (not AI) from examples/agents")
        } else {
            // loop-agent has the HTTP clients; loop asks it (see AgentExecutable).
            let discovery: ModelServerProbe.Discovery
            do {
                discovery = try await ModelServerProbe.discover(preferredModel: model)
            } catch {
                try? FileManager.default.removeItem(atPath: root)
                throw error
            }
            guard let server = discovery.found else {
                try? FileManager.default.removeItem(atPath: root)
                throw LoopError.preflight([discovery.howToGetOne ?? "No model server found."])
            }
            addition = """

                  # Added by `loop demo`: the built-in agent on \(server.endpoint).
                  \(server.provider):
                    model: \(server.model)
                    args: ["--max-steps", "\(maxSteps)", "--reply-tokens", "384"]

                """
            options.workerBackend = server.provider
            options.reviewerBackend = server.provider
            options.dispatchRetries = 1
            console.info("agents: the built-in worker and reviewer, \(server.provider) model \(server.model) at \(server.endpoint)")
        }
        try AtomicFile.write((try String(contentsOfFile: config, encoding: .utf8)) + addition, to: config)
        let backends = try OptionResolver.resolve(configPath: config, environment: [:], flags: [:]).backends
        console.info("demo repository: \(repo)")
        guard FileManager.default.changeCurrentDirectoryPath(repo) else {
            throw LoopError.config("Cannot enter the demo repository \(repo).")
        }
        let controller = RunController(
            request: RunRequest(loopDir: loopDir, taskPath: nil, options: options),
            dispatcher: BackendDispatcher(configured: backends), templates: CommandSupport.builtInTemplates,
            console: console, executable: CommandSupport.executablePath)
        let code: LoopExitCode
        do {
            code = try await controller.run()
        } catch let error as LoopError {
            // Preflight refused to start (no bubblewrap, a model missing): nothing ran, so
            // nothing in the demo folder is worth keeping.
            if case .preflight = error { try? FileManager.default.removeItem(atPath: root) }
            throw error
        }
        console.info("look around: cd \(repo) && loop status && loop archive list && git log --oneline --all")
        // The demo is done when the run reached its end — approved, rounds used up, or a round
        // failed because a tiny model produced no usable actions — and the outcome is printed
        // above. Interruptions keep their exit code.
        if code == .interrupted || code == .terminated || code == .pausedOnLimit { throw ExitCode(code.rawValue) }
        if code != .approved {
            console.info("demo finished: the run ended \(Outcome.load(BusPaths(loopDir: loopDir).outcome)?.result.rawValue ?? "\(code)") (exit code of `loop run` would be \(code.rawValue))")
        }
    }

    private func makeRoot() throws -> String {
        if let dir {
            let path = Filesystem.absolute(dir)
            guard !Filesystem.exists(path) else {
                throw LoopError.config("\(path) already exists; pick a new folder for the demo.")
            }
            try Filesystem.createDirectory(path)
            return path
        }
        let path = NSTemporaryDirectory() + "loop-demo-" + String(UInt32.random(in: 0 ... .max), radix: 16)
        try Filesystem.createDirectory(path)
        return (path as NSString).standardizingPath
    }

    private func git(_ arguments: [String], in directory: String) async throws {
        try await Git(directory: directory).output(arguments)
    }
}
