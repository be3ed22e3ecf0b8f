import Foundation
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

extension ProcessRunner {
    /// Runs a short command (git, a probe) and returns its output.
    ///
    /// The child stays in our process group, so it dies with the PM; use `run` for anything
    /// that may hang or spawn children.
    /// - Throws: `LoopError` when the program cannot be started.
    package static func capture(
        _ arguments: [String], in directory: String, environment: [String: String] = [:], input: String? = nil,
        outputLimit: Int = 256 * 1024 * 1024
    ) async throws -> CaptureResult {
        let program = try programName(of: arguments)
        do {
            let result = try await Subprocess.run(
                try executable(program, searchPath: environment["PATH"]),
                arguments: Arguments(Array(arguments.dropFirst())),
                environment: inherited(updating: environment),
                workingDirectory: FilePath(directory),
                input: .string(input ?? ""),
                output: .bytes(limit: outputLimit),
                error: .bytes(limit: 4 * 1024 * 1024))
            return CaptureResult(
                exitCode: exitCode(result.terminationStatus),
                stdout: String(decoding: result.standardOutput, as: UTF8.self),
                stderr: String(decoding: result.standardError, as: UTF8.self), timedOut: false)
        } catch let error as SubprocessError {
            if error.code == .executableNotFound {
                throw LoopError.other("\(program) is not installed or not on PATH.", .configError)
            }
            throw LoopError.other("Cannot run \(program): \(error.description)", .configError)
        }
    }
}
