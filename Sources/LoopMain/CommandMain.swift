package import ArgumentParser
import Foundation
import LoopCore

/// The one `main` of the three executables (`loop`, `loop-agent`, `loop-serve`): parse, run,
/// exit with the documented code.
///
/// A `LoopError` prints one `<name>: <what happened and what to do>` line (the form `loop run`
/// reads an agent's failure from) and exits with its code; argument errors keep
/// ArgumentParser's own message and code. A reader that goes away (a closed pipe) must be an
/// EPIPE error we handle, never a silent death, so SIGPIPE is ignored first.
package enum CommandMain {
    package static func run<Root: ParsableCommand>(
        _ root: Root.Type, name: String, parse: () throws -> any ParsableCommand
    ) async -> Never {
        await run(root, name: name) {
            var command = try parse()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        }
    }

    /// Runs `work` (already parsed by the caller) with the same error handling and exit codes.
    package static func run<Root: ParsableCommand>(
        _ root: Root.Type, name: String, work: () async throws -> Void
    ) async -> Never {
        Platform.ignoreBrokenPipes()
        do {
            try await work()
            Platform.exit(0)
        } catch let error as LoopError {
            FileHandle.standardError.write(Data("\(name): \(error.errorDescription ?? "\(error)")\n".utf8))
            Platform.exit(error.exitCode.rawValue)
        } catch {
            root.exit(withError: error)
        }
    }
}
