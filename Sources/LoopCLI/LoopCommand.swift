package import ArgumentParser
import Foundation
import LoopCore
import LoopMain

/// The `loop` command: PM, worker and reviewer agents working through review rounds.
package struct LoopCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "loop",
        abstract: "Get coding work done by AI agents through review rounds.",
        discussion: """
            A PM process hands a task card to a worker agent, hands the change to a
            reviewer agent, turns blocking issues into a fix list, and repeats until
            approval or the round budget ends. Roles talk through JSON files in .loop/
            (the file bus); every change is a git commit.

              loop init                   lay down .loop/ (config, templates, card)
              loop run --auto-dispatch    run the task in .loop/task_card.json
              loop status                 where the run is (--watch keeps redrawing)
              loop events --follow        every transition, as it happens
              loop pause | continue | stop   steer a running PM

            \(LoopExitCode.helpText)
            """,
        version: LoopVersion.current,
        subcommands: [
            InitCommand.self, RunCommand.self, StatusCommand.self, EventsCommand.self, PauseCommand.self,
            ContinueCommand.self, StopCommand.self, HeartbeatCommand.self, ExtractDiffCommand.self,
            HealthCommand.self, ArchiveCommand.self, CostCommand.self, DemoCommand.self, AgentCommand.self, ConfigCommand.self,
            VersionCommand.self, TasksCommand.self, ServeCommand.self,
        ]
    )

    package init() {}
}

extension LoopCommand {
    /// Parses the command line, runs the command and exits with the documented code.
    ///
    /// `LoopError`s print one line (`loop: <what happened and what to do>`) and map to their
    /// exit code; argument errors keep ArgumentParser's own message and code.
    package static func runMain(arguments: [String]? = nil) async -> Never {
        // `loop agent …` is `loop-agent …`: handed over before parsing, so every flag
        // (`--help` too) is the agent's, and before SIGPIPE is ignored below.
        let given = arguments ?? Array(CommandLine.arguments.dropFirst())
        if given.first == AgentCommand.configuration.commandName {
            do {
                try AgentCommand.forward(Array(given.dropFirst()))
            } catch {
                FileHandle.standardError.write(Data("loop: \(error.errorDescription ?? "\(error)")\n".utf8))
                Platform.exit(error.exitCode.rawValue)
            }
        }
        // The commands run most often start without ArgumentParser (see `hotCommand`).
        if given == ["--version"] {
            print(LoopVersion.current)
            Platform.exit(0)
        }
        if let (loopDir, json) = StatusCommand.quickArguments(given) {
            await CommandMain.run(Self.self, name: "loop") {
                try await StatusCommand.show(BusPaths(loopDir: loopDir), json: json)
            }
        }
        let environment = ProcessInfo.processInfo.environment
        if let (request, backends) = RoundChild.request(given, environment: environment) {
            await CommandMain.run(Self.self, name: "loop") {
                try await RoundChild.run(request, backends: backends, environment: environment)
            }
        }
        await CommandMain.run(Self.self, name: "loop") { try hotCommand(given) ?? parseAsRoot(arguments) }
    }

    /// The commands run most often — `loop status`, and `loop run --single-round`, which the
    /// PM starts for every round — parsed as themselves: building the whole command tree first
    /// (every subcommand's options, by reflection) costs each such process about a millisecond.
    /// Anything they do not parse cleanly (`--help`, a bad flag) is nil, and the full parse
    /// then gives ArgumentParser's usual message.
    static func hotCommand(_ arguments: [String]) -> (any ParsableCommand)? {
        guard let name = arguments.first else { return nil }
        let rest = Array(arguments.dropFirst())
        switch name {
        case StatusCommand.configuration.commandName: return try? StatusCommand.parse(rest)
        case RunCommand.configuration.commandName where rest.first == "--single-round": return try? RunCommand.parse(rest)
        default: return nil
        }
    }
}
