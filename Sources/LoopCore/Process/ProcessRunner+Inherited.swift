import Foundation
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

extension ProcessRunner {
    /// Runs a child that shares our terminal output and our process group (a round
    /// subprocess of the PM), so killing the PM's group kills it too.
    ///
    /// `started` receives the child's pid, for forwarding signals. `input` becomes the child's
    /// standard input (and is closed here once the child has it); without it, /dev/null.
    /// Returns the exit code (128 + n when killed by signal n).
    static func runInheritingOutput(
        _ arguments: [String], in directory: String, environment: [String: String], input: FileDescriptor? = nil,
        started: @escaping @Sendable (Int32) -> Void
    ) async throws -> Int32 {
        let program = try programName(of: arguments)
        do {
            let result = try await Subprocess.run(
                .path(FilePath(program)), arguments: Arguments(Array(arguments.dropFirst())),
                environment: inherited(updating: environment), workingDirectory: FilePath(directory),
                platformOptions: PlatformOptions(),
                input: .fileDescriptor(try input ?? openInput(nil), closeAfterSpawningProcess: true),
                output: .currentStandardOutput,
                error: .currentStandardError
            ) { execution in
                started(execution.processIdentifier.value)
            }
            return exitCode(result.terminationStatus)
        } catch let error as SubprocessError {
            throw LoopError.other("Cannot start \(program): \(error.description)", .roundFailed)
        }
    }
}
