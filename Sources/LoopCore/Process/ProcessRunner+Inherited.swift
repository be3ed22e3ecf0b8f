import Foundation

extension ProcessRunner {
    /// Runs a child that shares our terminal output and our process group (a round
    /// subprocess of the PM), so killing the PM's group kills it too.
    ///
    /// `started` receives the child's pid, for forwarding signals. `input` becomes the child's
    /// standard input (and is closed here once the child has it); without it, /dev/null. `fd3`,
    /// if given, becomes the child's descriptor 3 (and is closed here once the child has it).
    /// Returns the exit code (128 + n when killed by signal n). Started with `posix_spawn` and
    /// waited for on a thread (`ChildProcess`): the PM learns of a round's end at once.
    static func runInheritingOutput(
        _ arguments: [String], in directory: String, environment: [String: String], input: Int32? = nil,
        fd3: Int32? = nil, started: @escaping @Sendable (Int32) -> Void
    ) async throws -> Int32 {
        let program = try programName(of: arguments)
        let stdin: Int32
        do {
            stdin = try input ?? openInput(nil)
        } catch {
            if let fd3 { close(fd3) }
            throw error
        }
        let child: ChildProcess.Running
        do {
            defer {
                close(stdin)
                if let fd3 { close(fd3) }
            }
            child = try await ChildProcess.start(
                path: program, arguments: arguments, environment: ChildProcess.environment(updating: environment),
                directory: directory, stdin: stdin, stdout: STDOUT_FILENO, stderr: STDERR_FILENO, fd3: fd3)
        } catch {
            throw LoopError.other("Cannot start \(program): \(Platform.errorText(error.errno))", .roundFailed)
        }
        started(child.pid)
        return await child.termination().shellCode
    }
}
