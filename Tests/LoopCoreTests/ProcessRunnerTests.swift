import Foundation
import LoopCore
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct ProcessRunnerTests {
    private func tempDir() throws -> String {
        let path = NSTemporaryDirectory() + "loop-runner-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("streams stdout and stderr lines and reports the exit code")
    func streamsLines() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lines = Locked<[String]>([])
        let outcome = try await ProcessRunner.run(
            ProcessSpec(
                arguments: ["bash", "-c", "echo one; echo two >&2; printf three; exit 7"], workingDirectory: dir,
                logPath: dir + "/out.log")
        ) { stream, line in lines.withLock { $0.append("\(stream.rawValue):\(line)") } }
        #expect(outcome.exitCode == 7)
        #expect(outcome.end == .exited)
        #expect(Set(lines.value) == ["stdout:one", "stderr:two", "stdout:three"])
        let log = try String(contentsOfFile: dir + "/out.log", encoding: .utf8)
        #expect(log.contains("one\n") && log.contains("[stderr] two"))
    }

    @Test("timeout kills a child that ignores SIGTERM and its grandchild")
    func timeoutKillsGroup() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = "trap '' TERM; (trap '' TERM; sleep 300) & echo $! > \(dir)/grandchild; sleep 300"
        let start = ContinuousClock.now
        let outcome = try await ProcessRunner.run(
            ProcessSpec(
                arguments: ["bash", "-c", script], workingDirectory: dir, timeout: .seconds(1),
                killGrace: .milliseconds(500))
        ) { _, _ in }
        #expect(outcome.end == .timedOut)
        #expect(ContinuousClock.now - start < .seconds(10))
        let grandchild = try #require(
            pid_t(
                try String(contentsOfFile: dir + "/grandchild", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)))
        try await Task.sleep(for: .milliseconds(200))
        #expect(!ProcessControl.isAlive(grandchild))
        #expect(!ProcessControl.isGroupAlive(outcome.pid))
    }

    @Test("silence longer than the idle timeout ends the process as hung")
    func idleTimeout() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outcome = try await ProcessRunner.run(
            ProcessSpec(
                arguments: ["bash", "-c", "echo hi; sleep 300"], workingDirectory: dir,
                idleTimeout: .seconds(1), killGrace: .milliseconds(200))
        ) { _, _ in }
        #expect(outcome.end == .idle)
    }

    @Test("stdin is the prompt file, and /dev/null otherwise, so agents never wait on input")
    func stdinHandling() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "the prompt".write(toFile: dir + "/prompt.txt", atomically: true, encoding: .utf8)
        let seen = Locked<[String]>([])
        _ = try await ProcessRunner.run(
            ProcessSpec(arguments: ["cat"], workingDirectory: dir, stdinFile: dir + "/prompt.txt")
        ) { _, line in seen.withLock { $0.append(line) } }
        #expect(seen.value == ["the prompt"])
        let outcome = try await ProcessRunner.run(
            ProcessSpec(arguments: ["bash", "-c", "read x; echo got:$x"], workingDirectory: dir, timeout: .seconds(5))
        ) { _, _ in }
        #expect(outcome.end == .exited)
    }

    @Test("a child exiting while a grandchild holds its pipes does not hang the run")
    func grandchildHoldingPipes() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let start = ContinuousClock.now
        let outcome = try await ProcessRunner.run(
            ProcessSpec(arguments: ["bash", "-c", "sleep 300 & echo parent-done"], workingDirectory: dir)
        ) { _, _ in }
        #expect(outcome.exitCode == 0)
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(!ProcessControl.isGroupAlive(outcome.pid))
    }

    @Test("a missing program is a clear error")
    func missingProgram() async throws {
        await #expect(throws: LoopError.self) {
            _ = try await ProcessRunner.run(ProcessSpec(arguments: ["no-such-program-xyz"], workingDirectory: "/")) {
                _, _ in
            }
        }
    }

    @Test("capture returns output and exit code")
    func capture() async throws {
        let result = try await ProcessRunner.capture(["bash", "-c", "cat; echo err >&2; exit 3"], in: "/", input: "in")
        #expect(result.stdout == "in")
        #expect(result.stderr == "err\n")
        #expect(result.exitCode == 3)
    }
}
