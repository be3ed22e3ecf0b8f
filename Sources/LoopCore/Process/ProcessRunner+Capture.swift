import Foundation

extension ProcessRunner {
    /// Runs a short command (git, a probe) and returns its output.
    ///
    /// The child stays in our process group, so it dies with the PM; use `run` for anything
    /// that may hang or spawn children. Started with `posix_spawn` (see `ChildCapture` for why
    /// not swift-subprocess here).
    /// - Throws: `LoopError` when the program cannot be started.
    package static func capture(
        _ arguments: [String], in directory: String, environment: [String: String] = [:], input: String? = nil,
        outputLimit: Int = 256 * 1024 * 1024
    ) async throws -> CaptureResult {
        let program = try programName(of: arguments)
        let path = try executablePath(program, searchPath: environment["PATH"])
        do {
            let output = try await ChildCapture.run(
                path: path, arguments: arguments, environment: ChildProcess.environment(updating: environment),
                directory: directory, input: Array((input ?? "").utf8), stdoutLimit: outputLimit,
                stderrLimit: 4 * 1024 * 1024)
            return CaptureResult(
                exitCode: output.exitCode, stdout: String(decoding: output.stdout, as: UTF8.self),
                stderr: String(decoding: output.stderr, as: UTF8.self), timedOut: false)
        } catch let failure as ChildCapture.Failure {
            switch failure {
            case .spawn(ENOENT) where !program.contains("/"):
                throw LoopError.other("\(program) is not installed or not on PATH.", .configError)
            case .spawn(let number):
                throw LoopError.other("Cannot run \(program): \(Platform.errorText(number)).", .configError)
            case .io(let operation, let number):
                throw LoopError.other(
                    "Cannot run \(program): \(operation) failed (\(Platform.errorText(number))).", .configError)
            case .outputLimit(let stream, let limit):
                throw LoopError.other(
                    "Cannot run \(program): it printed more than \(limit / (1024 * 1024)) MiB on \(stream).",
                    .configError)
            }
        }
    }
}
