import Foundation

/// Questions about model servers that `loop` asks `loop-agent`, which has the HTTP clients.
///
/// `loop run`'s preflight and `loop health` ask whether a backend's model is on its server
/// (`loop-agent check-server`); `loop demo` asks for the first server that answers
/// (`loop-agent find-server`). Each answer is one JSON value on stdout, typed here so both
/// executables read and write the same shape.
package enum ModelServerProbe {
    /// `loop-agent check-server`'s answer: problems reaching the model, one line each naming
    /// the fix; empty when the model is there.
    package struct Problems: Codable, Sendable, Equatable {
        package var problems: [String]

        package init(problems: [String]) { self.problems = problems }
    }

    /// `loop-agent find-server`'s answer: the server found, or what to tell someone who has none.
    package struct Discovery: Codable, Sendable, Equatable {
        package var found: Server?
        package var howToGetOne: String?

        package init(found: Server?, howToGetOne: String?) {
            self.found = found
            self.howToGetOne = howToGetOne
        }

        enum CodingKeys: String, CodingKey {
            case found
            case howToGetOne = "how_to_get_one"
        }
    }

    /// A model server that answered with at least one model.
    package struct Server: Codable, Sendable, Equatable {
        package var provider: String
        package var endpoint: String
        package var model: String

        package init(provider: String, endpoint: String, model: String) {
            self.provider = provider
            self.endpoint = endpoint
            self.model = model
        }
    }

    /// Problems reaching `model` of `provider`'s server with `environment` added to ours; a
    /// missing or failing `loop-agent` is itself the one problem.
    package static func problems(provider: String, model: String?, environment: [String: String]) async -> [String] {
        var arguments = ["check-server", "--provider", provider]
        if let model { arguments += ["--model", model] }
        do {
            let answer = try await ask(Problems.self, arguments, environment: environment)
            return answer.problems
        } catch {
            return [(error as? LoopError)?.errorDescription ?? "\(error)"]
        }
    }

    /// The first model server that answers (Ollama, then `OPENAI_BASE_URL`), preferring
    /// `preferredModel` when it has it.
    /// - Throws: `LoopError.config` when `loop-agent` is missing or gives no answer.
    package static func discover(preferredModel: String?) async throws -> Discovery {
        try await ask(Discovery.self, ["find-server"] + (preferredModel.map { ["--model", $0] } ?? []), environment: [:])
    }

    /// Runs `loop-agent <arguments>` and decodes its stdout.
    private static func ask<Answer: Decodable>(
        _ type: Answer.Type, _ arguments: [String], environment: [String: String]
    ) async throws -> Answer {
        guard let agent = AgentExecutable.locate() else {
            throw LoopError.config(AgentExecutable.missingMessage(at: AgentExecutable.path()))
        }
        let result = try await ProcessRunner.capture(
            [agent] + arguments, in: FileManager.default.currentDirectoryPath, environment: environment)
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(result.stdout.utf8)) else {
            let why = result.stderr.split(separator: "\n").last.map(String.init) ?? "no answer"
            throw LoopError.config(
                "\(agent) \(arguments.first ?? "") gave no answer (exit \(result.exitCode): \(why)); "
                    + "reinstall loop and loop-agent together (scripts/install).")
        }
        return answer
    }
}
