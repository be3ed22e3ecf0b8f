import ArgumentParser
import Foundation
import LoopCore

/// `--loop-dir`, shared by every command that reads or writes the bus.
struct LoopDirOption: ParsableArguments {
    /// The bus folder when `--loop-dir` is not given.
    static let defaultLoopDir = ".loop"

    @Option(name: .long, help: "The bus folder.")
    var loopDir: String = defaultLoopDir

    var paths: BusPaths { BusPaths(loopDir: loopDir) }
}

/// Helpers shared by commands.
enum CommandSupport {
    /// The absolute path of this `loop` executable, to spawn round subprocesses.
    static var executablePath: String {
        Platform.executablePath ?? Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    /// Prints a JSON value on stdout (sorted keys, pretty).
    static func printJSON<T: Encodable>(_ value: T) throws {
        let data = try JSONEncoder.bus.encode(value)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// The prompt templates built into the binary.
    static var builtInTemplates: PromptTemplates {
        PromptTemplates(
            worker: EmbeddedTemplates.workerPrompt, reviewer: EmbeddedTemplates.reviewerPrompt,
            agentsFallback: EmbeddedTemplates.agentsFallback, codeWriterRole: EmbeddedTemplates.codeWriterRole,
            reviewerRole: EmbeddedTemplates.reviewerRole)
    }
}
