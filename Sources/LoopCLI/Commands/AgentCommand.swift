import ArgumentParser
import Foundation
import LoopCore

/// `loop agent …`: becomes `loop-agent …`, the built-in agent's own executable next to `loop`.
///
/// The agent lives apart so that `loop` never loads the networking stack (see
/// `AgentExecutable`); this name stays for users and configs that run `loop agent`.
/// `LoopCommand.runMain` forwards before parsing, so `loop agent --help` is the agent's help;
/// this hidden command is the same forward for any other way of reaching it.
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "The built-in agent: runs loop-agent (used by the ollama and openai backends).",
        shouldDisplay: false
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments for loop-agent.") var arguments: [String] = []

    func run() throws {
        try Self.forward(arguments)
    }

    /// Replaces this process with `loop-agent <arguments>`.
    /// - Throws: `LoopError.config` naming where `loop-agent` was looked for, when it is not there
    ///   or cannot be started.
    static func forward(_ arguments: [String]) throws(LoopError) -> Never {
        let path = AgentExecutable.path()
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw LoopError.config(AgentExecutable.missingMessage(at: path))
        }
        let code = ProcessImage.replace(with: path, arguments: [path] + arguments)
        throw LoopError.io(operation: "Starting", path: path, errno: code)
    }
}
