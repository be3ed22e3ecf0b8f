import Foundation

/// One `loop run --single-round --standby` subprocess of the PM: started ahead of its round,
/// it loads its code and warms up, then waits on its stdin for the round number (`go`) before
/// it reads the run's files; closing its stdin instead (`dismiss`) makes it exit untouched.
///
/// Why: a fresh process per round is the PM's crash boundary (docs/ARCHITECTURE.md), but the
/// process's start — loading a 90 MB binary, the Swift runtime's first look-ups of every type
/// it decodes — took several milliseconds of each round's overhead. Started while the previous
/// round runs, the next round's process has done all that when its round begins.
final class RoundProcess: Sendable {
    private let run: Task<Int32, any Error>
    private let writer: Locked<Int32?>
    private let pidCell: Locked<Int32>

    /// Starts the subprocess; it waits for `go`.
    init(arguments: [String], in directory: String, environment: [String: String]) throws {
        let (read, write) = try GoPipe.make()
        let pid = Locked<Int32>(0)
        pidCell = pid
        writer = Locked(write)
        run = Task {
            try await ProcessRunner.runInheritingOutput(
                arguments, in: directory, environment: environment, input: read
            ) { started in pid.set(started) }
        }
    }

    /// The child's pid, 0 until it has been started.
    var pid: Int32 { pidCell.value }

    /// Tells the child its round; false when it is already gone (its exit code says why).
    @discardableResult
    func go(round: Int) -> Bool {
        guard let fd = writer.take() else { return false }
        defer { close(fd) }
        return GoPipe.send(String(round), to: fd)
    }

    /// Tells the child it is not needed: it exits without reading or writing any run file.
    func dismiss() {
        if let fd = writer.take() { close(fd) }
    }

    /// Waits for the child to exit; its exit code (128 + n when killed by signal n).
    func exitCode() async throws -> Int32 {
        try await run.value
    }

    deinit {
        if let fd = writer.take() { close(fd) }
    }
}
