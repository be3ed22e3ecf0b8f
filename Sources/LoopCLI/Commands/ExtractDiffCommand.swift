import ArgumentParser
import Foundation
import LoopCore

/// `loop extract-diff BASE HEAD`: the diff between two commits.
struct ExtractDiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract-diff",
        abstract: "Print the diff between two commits (for example a round's base and head).",
        discussion: """
            Example:
              loop extract-diff $(jq -r .base_sha .loop/outcome.json) loop/my-task
            """
    )

    @Argument(help: "The base commit or ref.") var base: String
    @Argument(help: "The head commit or ref.") var head: String

    func run() async throws {
        let git = Git(directory: FileManager.default.currentDirectoryPath)
        guard await git.topLevel() != nil else {
            throw LoopError.config("Not inside a git repository. cd into your repository first.")
        }
        guard let baseSHA = await git.resolve(base) else { throw LoopError.config("invalid git ref: '\(base)'") }
        guard let headSHA = await git.resolve(head) else { throw LoopError.config("invalid git ref: '\(head)'") }
        FileHandle.standardOutput.write(Data(try await git.diff(from: baseSHA, to: headSHA).utf8))
    }
}
