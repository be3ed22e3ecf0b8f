import ArgumentParser
import Foundation
import LoopAgent
import LoopCore

/// `loop-agent check-server`: whether a model is on its server, for `loop run`'s preflight
/// and `loop health` (which do not link the HTTP clients). Prints a
/// `ModelServerProbe.Problems` as JSON; exits 0 either way, since the answer is the output.
struct CheckServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-server",
        abstract: "Check that a model server answers and has the model (JSON on stdout, for loop run's preflight)."
    )

    @Option(help: "ollama or openai.") var provider: String
    @Option(help: "The model name on the server; none lists what it has.") var model: String?

    func run() async throws {
        let problems = await ModelServer.problems(
            provider: provider, environment: ProcessInfo.processInfo.environment, model: model)
        try JSONOutput.print(ModelServerProbe.Problems(problems: problems))
    }
}

/// `loop-agent find-server`: the first model server that answers, for `loop demo`. Prints a
/// `ModelServerProbe.Discovery` as JSON.
struct FindServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "find-server",
        abstract: "Find a model server: Ollama at OLLAMA_HOST, then OPENAI_BASE_URL (JSON on stdout, for loop demo)."
    )

    @Option(help: "The model to prefer when the server has it.") var model: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let discovery: ModelServerProbe.Discovery
        if let found = await ServerDiscovery.find(environment: environment, preferredModel: model) {
            discovery = ModelServerProbe.Discovery(
                found: ModelServerProbe.Server(provider: found.provider, endpoint: found.endpoint, model: found.model),
                howToGetOne: nil)
        } else {
            discovery = ModelServerProbe.Discovery(
                found: nil, howToGetOne: ServerDiscovery.howToGetOne(environment: environment))
        }
        try JSONOutput.print(discovery)
    }
}

/// One JSON value and a newline on stdout.
enum JSONOutput {
    static func print(_ value: some Encodable) throws {
        FileHandle.standardOutput.write(try JSONEncoder().encode(value) + Data("\n".utf8))
    }
}
