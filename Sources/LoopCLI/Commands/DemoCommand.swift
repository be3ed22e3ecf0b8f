import ArgumentParser
import Foundation
import LoopBackends
import LoopCore

/// `loop demo`: a real `loop run` on a throwaway copy of the bundled example project.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the loop end to end on a throwaway copy of the bundled example project.",
        discussion: """
            Creates a git repository from examples/hello (a bash script missing a feature, with a
            test), and runs `loop run --auto-dispatch` on it: worker, PM commit, verification,
            reviewer, fix list, next round, approval.

            The demo's agents are the bundled scripted stand-ins (examples/agents), not AI: they
            show the protocol, the rounds and the archive without any model or agent CLI.

            Example:
              loop demo
              loop demo --dir /tmp/my-demo
            """
    )

    @Option(help: "Where to create the demo (must not exist). (default: a new temporary folder)") var dir: String?
    @Flag(help: "Show the agents' output lines.") var verbose = false

    func run() async throws {
        let root = try makeRoot()
        let repo = "\(root)/repo"
        let agents = "\(root)/agents"
        try EmbeddedFiles.write(under: "examples/hello", to: repo)
        try EmbeddedFiles.write(under: "examples/agents", to: agents)
        try await git(["init", "-q", "-b", "main"], in: repo)
        try await git(["add", "-A"], in: repo)
        try await git(
            ["-c", "user.name=loop demo", "-c", "user.email=demo@localhost", "commit", "-q", "-m", "hello: example project"],
            in: repo)
        let loopDir = "\(repo)/.loop"
        _ = try SkeletonInstaller(loopDir: loopDir).install()
        try FileManager.default.moveItem(atPath: "\(repo)/task_card.json", toPath: "\(loopDir)/task_card.json")
        try await git(["rm", "-q", "--cached", "task_card.json"], in: repo)
        try await git(["-c", "user.name=loop demo", "-c", "user.email=demo@localhost", "commit", "-q", "-m", "move the task card onto the bus"], in: repo)
        // Backends live in config.yaml, which every round subprocess reads, as in a real repository.
        let config = "\(loopDir)/config.yaml"
        let demoBackends = """

              # Added by `loop demo`: the bundled scripted stand-in agents (not AI).
              scripted-worker:
                command: ["\(agents)/scripted-worker"]
              scripted-reviewer:
                command: ["\(agents)/scripted-reviewer"]

            """
        try AtomicFile.write((try String(contentsOfFile: config, encoding: .utf8)) + demoBackends, to: config)
        let backends = try OptionResolver.resolve(configPath: config, environment: [:], flags: [:]).backends
        var options = RunOptions()
        options.autoDispatch = true
        options.workerBackend = "scripted-worker"
        options.reviewerBackend = "scripted-reviewer"
        options.dispatchRetryBaseSec = 1
        options.verbose = verbose
        let console = Console(isVerbose: verbose)
        console.info("demo repository: \(repo)")
        console.info("agents: the bundled scripted stand-ins (not AI) from examples/agents")
        guard FileManager.default.changeCurrentDirectoryPath(repo) else { throw LoopError.config("Cannot enter the demo repository \(repo).") }
        let controller = RunController(
            request: RunRequest(loopDir: loopDir, taskPath: nil, options: options),
            dispatcher: BackendDispatcher(configured: backends), templates: CommandSupport.builtInTemplates,
            console: console, executable: CommandSupport.executablePath)
        let code = try await controller.run()
        console.info("look around: cd \(repo) && loop status && loop archive list && git log --oneline --all")
        if code != .approved { throw ExitCode(code.rawValue) }
    }

    private func makeRoot() throws -> String {
        if let dir {
            let path = Filesystem.absolute(dir)
            guard !Filesystem.exists(path) else { throw LoopError.config("\(path) already exists; pick a new folder for the demo.") }
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
