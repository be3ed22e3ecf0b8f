import Foundation

/// One `loop run --single-round --standby` subprocess of the PM: started ahead of its round,
/// it loads its code and warms up, then waits on its stdin for the round number (`go`) before
/// it reads the run's files; closing its stdin instead (`dismiss`) makes it exit untouched.
///
/// Why: a fresh process per round is the PM's crash boundary (docs/ARCHITECTURE.md), but the
/// process's start — loading a 90 MB binary, the Swift runtime's first look-ups of every type
/// it decodes — took several milliseconds of each round's overhead. Started while the previous
/// round runs, the next round's process has done all that when its round begins. Its end is
/// the same in reverse: it says `done` (GoPipe) once its round's files are written, and the PM
/// goes on while its exit is still under way.
final class RoundProcess: Sendable {
    private let run: Task<Int32, any Error>
    private let writer: Locked<Int32?>
    private let doneReader: Locked<Int32?>
    private let pidCell: Locked<Int32>

    /// Starts the subprocess; it waits for `go`.
    init(arguments: [String], in directory: String, environment: [String: String]) throws {
        let (read, write) = try GoPipe.make()
        let done: (read: Int32, write: Int32)
        do {
            done = try GoPipe.make()
        } catch {
            close(read)
            close(write)
            throw error
        }
        let pid = Locked<Int32>(0)
        pidCell = pid
        writer = Locked(write)
        doneReader = Locked(done.read)
        var environment = environment
        environment[GoPipe.doneVariable] = "3"
        run = Task {
            try await ProcessRunner.runInheritingOutput(
                arguments, in: directory, environment: environment, input: read, fd3: done.write
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

    /// Waits until the child has said `done` (its exit code, the exit itself perhaps still under
    /// way) or, when it ends without saying so, for its exit; the exit code (128 + n when killed
    /// by signal n). `exitCode()` still waits for the exit itself.
    func finished() async throws -> Int32 {
        if let fd = doneReader.take() {
            let said = await OwnThread.run {
                defer { close(fd) }
                return GoPipe.readLine(from: fd).flatMap { Int32($0) }
            }
            if let said { return said }
        }
        return try await exitCode()
    }

    /// Waits for the child to exit; its exit code (128 + n when killed by signal n).
    func exitCode() async throws -> Int32 {
        try await run.value
    }

    deinit {
        if let fd = writer.take() { close(fd) }
        if let fd = doneReader.take() { close(fd) }
    }
}
