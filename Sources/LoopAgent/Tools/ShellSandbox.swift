import LoopCore
import Foundation

/// Runs the worker's shell commands: inside bubblewrap when it works here, directly (with
/// a blocklist) only when the user passed `--unsafe-shell`, otherwise not at all.
///
/// Every command runs through `ProcessRunner`: its own process group, a timeout that
/// TERMs then KILLs the whole group, line-bounded output, stdin from `/dev/null`, and an
/// environment reduced to `ShellEnvironment`'s allow-list. See `BubblewrapCommand` for what
/// the sandbox confines and what was verified.
package struct ShellSandbox: Sendable {
    /// Whether and how commands can run; the PM's preflight prints `message`.
    package enum Availability: Sendable, Equatable {
        /// bubblewrap is installed and a probe sandbox started.
        case sandboxed(bwrapPath: String)
        /// No working bubblewrap, but `--unsafe-shell` was given: direct execution.
        case unsafe(reason: String)
        /// No shell: the reason says what to install or pass.
        case unavailable(reason: String)

        /// True when `run` will execute commands.
        package var canRun: Bool {
            if case .unavailable = self { return false }
            return true
        }

        /// One line for preflight and logs.
        package var message: String {
            switch self {
            case .sandboxed(let path): "shell commands run in a bubblewrap sandbox (\(path))"
            case .unsafe(let reason): "shell commands run WITHOUT a sandbox (--unsafe-shell): \(reason)"
            case .unavailable(let reason): reason
            }
        }
    }

    /// How commands are run.
    package struct Configuration: Sendable, Equatable {
        /// Longest a command may run before its process group is killed.
        package var timeout: Duration
        /// Time between SIGTERM and SIGKILL on timeout.
        package var killGrace: Duration
        /// Run directly (with the blocklist) when bubblewrap is missing or broken.
        package var allowsUnsafeShell: Bool
        /// The `bwrap` to use; nil looks it up on `PATH`.
        package var bwrapPath: String?
        /// Added variables (secret-looking names are dropped).
        package var extraEnvironment: [String: String]
        /// Host paths hidden inside the sandbox; nil = credential folders under `$HOME`.
        package var hiddenPaths: [String]?
        /// Largest file a command may write (and the size of the sandbox's `/tmp`): a runaway
        /// write fails instead of filling the disk the workspace and the bus live on.
        package var maxFileBytes: Int

        package init(
            timeout: Duration = .seconds(60), killGrace: Duration = .seconds(2), allowsUnsafeShell: Bool = false,
            bwrapPath: String? = nil, extraEnvironment: [String: String] = [:], hiddenPaths: [String]? = nil,
            maxFileBytes: Int = 1 << 30
        ) {
            self.maxFileBytes = max(1024, maxFileBytes)
            self.timeout = timeout
            self.killGrace = killGrace
            self.allowsUnsafeShell = allowsUnsafeShell
            self.bwrapPath = bwrapPath
            self.extraEnvironment = extraEnvironment
            self.hiddenPaths = hiddenPaths
        }
    }

    package let workspace: Workspace
    package let configuration: Configuration
    package let availability: Availability

    /// A sandbox with a known availability (tests, or a PM that already ran `detect`).
    package init(workspace: Workspace, configuration: Configuration = Configuration(), availability: Availability) {
        self.workspace = workspace
        self.configuration = configuration
        self.availability = availability
    }

    /// Detects availability (see `detect`) and builds the sandbox.
    package static func make(workspace: Workspace, configuration: Configuration = Configuration()) async -> ShellSandbox
    {
        ShellSandbox(
            workspace: workspace, configuration: configuration, availability: await detect(configuration: configuration)
        )
    }

    /// Finds `bwrap` and starts a probe sandbox, so a broken install (no user namespaces)
    /// is found before the run, not at the worker's first command.
    package static func detect(configuration: Configuration = Configuration()) async -> Availability {
        let fallback = { (problem: String) -> Availability in
            configuration.allowsUnsafeShell
                ? .unsafe(reason: problem)
                : .unavailable(
                    reason: "\(problem); install bubblewrap (apt-get install bubblewrap) or pass --unsafe-shell")
        }
        switch await BubblewrapProbe.detect(explicitPath: configuration.bwrapPath) {
        case .usable(let path): return .sandboxed(bwrapPath: path)
        case .unusable(let problem): return fallback(problem)
        }
    }

    /// Runs `command` with `bash -c` in the workspace root.
    /// - Parameter outputLimit: bytes of output kept (head and tail).
    package func run(_ command: String, outputLimit: Int = 8 * 1024) async -> ShellOutcome {
        let host = ProcessInfo.processInfo.environment
        let arguments: [String]
        let environment: [String: String]
        switch availability {
        case .unavailable(let reason):
            return ShellOutcome(status: .unavailable("shell commands are unavailable: \(reason)"))
        case .sandboxed(let bwrap):
            environment = ShellEnvironment.make(host: host, home: "/tmp", extra: configuration.extraEnvironment)
            let builder = BubblewrapCommand(
                bwrapPath: bwrap, shellPath: Self.findExecutable("bash") ?? "/bin/bash", workspace: workspace.root,
                environment: environment,
                hiddenPaths: configuration.hiddenPaths ?? BubblewrapCommand.defaultHiddenPaths(home: host["HOME"]),
                maxFileBytes: configuration.maxFileBytes, mounts: SandboxMounts.system(environment: host))
            arguments = builder.arguments(for: command)
        case .unsafe:
            if let reason = CommandBlocklist.reason(for: command) {
                return ShellOutcome(
                    status: .blocked(
                        "command refused: \(reason). Commands run without a sandbox here; work only inside the project")
                )
            }
            environment = ShellEnvironment.make(
                host: host, home: NSTemporaryDirectory(), extra: configuration.extraEnvironment)
            // An intermediate shell that does not exec away: the command's $PPID is that
            // shell, never the PM, so a stray `kill $PPID` ends only this command. It sets the
            // same file-size limit as the sandbox.
            let blocks = max(1, configuration.maxFileBytes / 1024)
            arguments = ["bash", "-c", "ulimit -f \(blocks) || exit 126; bash -c \"$1\"; exit $?", "loop-shell", command]
        }
        return await execute(arguments, environment: environment, outputLimit: outputLimit)
    }

    private func execute(_ arguments: [String], environment: [String: String], outputLimit: Int) async -> ShellOutcome {
        let collector = OutputCollector(limit: outputLimit)
        var spec = ProcessSpec(
            arguments: arguments, workingDirectory: workspace.root, environment: environment,
            removedEnvironment: Array(ProcessInfo.processInfo.environment.keys), timeout: configuration.timeout,
            killGrace: configuration.killGrace, maxLineBytes: 4096)
        spec.newSession = true
        let hint = "re-run with less output, e.g. pipe through tail, head or grep, or write it to a file and search it"
        do {
            let outcome = try await ProcessRunner.run(spec) { _, line in collector.append(line) }
            let output = collector.text(hint: hint)
            switch outcome.end {
            case .timedOut, .idle:
                return ShellOutcome(status: .timedOut(seconds: configuration.timeout.seconds), output: output)
            case .cancelled:
                return ShellOutcome(status: .cancelled, output: output)
            case .exited:
                if let code = outcome.exitCode { return ShellOutcome(status: .exited(code), output: output) }
                return ShellOutcome(status: .signaled(outcome.signal ?? 0), output: output)
            }
        } catch {
            return ShellOutcome(status: .unavailable("the shell could not be started: \(error.localizedDescription)"))
        }
    }

    /// The first executable named `name` on the PM's `PATH`.
    static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ShellEnvironment.defaultPath
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
