import ArgumentParser
import Foundation
import LoopCore
import LoopMain

/// `loop-agent`: the built-in agent (`run`, the default) and its answers to `loop` about model
/// servers (`check-server`, `find-server`).
struct LoopAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loop-agent",
        abstract: "The built-in agent of loop (run by the ollama and openai backends; also `loop agent`).",
        version: LoopVersion.current,
        subcommands: [AgentCommand.self, CheckServerCommand.self, FindServerCommand.self],
        defaultSubcommand: AgentCommand.self
    )
}

/// The `loop-agent` executable: the built-in agent, apart from `loop` so that only it loads
/// the networking stack (see `AgentExecutable`).
enum AgentMain {
    /// Parses the command line, runs the command and exits with its code.
    ///
    /// A `LoopError` prints one `loop-agent: <why>` line, the form `loop run` reads an agent's
    /// failure from; argument errors keep ArgumentParser's message and code.
    static func run() async -> Never {
        await CommandMain.run(LoopAgentCommand.self, name: "loop-agent") { try LoopAgentCommand.parseAsRoot() }
    }
}
