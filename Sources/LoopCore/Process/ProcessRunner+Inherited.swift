import Foundation
import Subprocess

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

extension ProcessRunner {
    /// Runs a child that shares our terminal output and our process group (a round
    /// subprocess of the PM), so killing the PM's group kills it too.
    ///
    /// `started` receives the child's pid, for forwarding signals. Returns the exit code
    /// (128 + n when killed by signal n).
    public static func runInheritingOutput(
        _ arguments: [String], in directory: String, environment: [String: String],
        started: @escaping @Sendable (Int32) -> Void
    ) async throws -> Int32 {
        guard let program = arguments.first else {
            throw LoopError.config("Nothing to run: the command line is empty.")
        }
        var keyed: [Environment.Key: String?] = [:]
        for (key, value) in environment {
            if let key = Environment.Key(rawValue: key) { keyed[key] = value }
        }
        do {
            let result = try await Subprocess.run(
                .path(FilePath(program)), arguments: Arguments(Array(arguments.dropFirst())),
                environment: Environment.inherit.updating(keyed), workingDirectory: FilePath(directory),
                platformOptions: PlatformOptions(), input: .none, output: .currentStandardOutput,
                error: .currentStandardError
            ) { execution in
                started(execution.processIdentifier.value)
            }
            switch result.terminationStatus {
            case .exited(let code): return code
            case .signaled(let signal): return 128 + signal
            }
        } catch let error as SubprocessError {
            throw LoopError.other("Cannot start \(program): \(error.description)", .roundFailed)
        }
    }
}
