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

    @Test("capture: input and output far larger than a pipe's buffer pass both ways without a deadlock")
    func captureLargeBothWays() async throws {
        let input = String(repeating: "0123456789abcdef\n", count: 256 * 1024)  // 4 MiB
        let result = try await ProcessRunner.capture(
            ["bash", "-c", "cat; head -c 3000000 /dev/zero | tr '\\0' e >&2"], in: "/", input: input)
        #expect(result.exitCode == 0)
        #expect(result.stdout == input)
        #expect(result.stderr.count == 3_000_000)
    }

    @Test("capture: a child that never reads its stdin gets it closed, and its output is kept")
    func captureUnreadInput() async throws {
        let input = String(repeating: "x", count: 1024 * 1024)
        let result = try await ProcessRunner.capture(["bash", "-c", "exec 0<&-; echo done"], in: "/", input: input)
        #expect(result.exitCode == 0)
        #expect(result.stdout == "done\n")
    }

    @Test("capture: the working directory, an environment change, signals at their default and only fds 0-2")
    func captureChildSetup() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capture-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let script =
            "pwd; echo \"$CAPTURE_PROBE\"; ls /proc/self/fd | sort -n | tr '\\n' ' '; echo; grep -E '^Sig(Blk|Ign)' /proc/self/status"
        let result = try await ProcessRunner.capture(
            ["bash", "-c", script], in: folder, environment: ["CAPTURE_PROBE": "seen"])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
                == URL(fileURLWithPath: folder).resolvingSymlinksInPath().path)
        #expect(lines.dropFirst().first == "seen")
        // `ls` (bash's child, so any fd we leaked would be there) holds 0, 1, 2 and the one it reads
        // /proc/self/fd through (3).
        #expect(lines.dropFirst(2).first == "0 1 2 3 ")
        // The PM ignores SIGPIPE: the child must not inherit that, nor a blocked signal. (Only
        // the standard signals 1-31: glibc keeps 32 and 33 for itself.)
        func standardSignals(_ field: String) -> UInt64? {
            lines.first { $0.hasPrefix(field + ":") }.flatMap {
                UInt64($0.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces), radix: 16)
            }
            .map { $0 & 0x7fff_ffff }
        }
        #expect(standardSignals("SigBlk") == 0)
        #expect(standardSignals("SigIgn") == 0)
    }

    @Test("capture: a program killed by a signal reports 128 + n, a missing one is a clear error")
    func captureEnds() async throws {
        let killed = try await ProcessRunner.capture(["bash", "-c", "kill -9 $$"], in: "/")
        #expect(killed.exitCode == 137)
        await #expect(throws: LoopError.self) {
            _ = try await ProcessRunner.capture(["no-such-program-xyz"], in: "/")
        }
        await #expect(throws: LoopError.self) {
            _ = try await ProcessRunner.capture(["/no/such/program"], in: "/")
        }
    }

    @Test("capture: output past the limit is an error, not a PM holding it all")
    func captureLimit() async throws {
        await #expect(throws: LoopError.self) {
            _ = try await ProcessRunner.capture(
                ["bash", "-c", "head -c 5000000 /dev/zero"], in: "/", outputLimit: 1024 * 1024)
        }
    }

    @Test("capture: cancelling the task ends the child at once")
    func captureCancelled() async throws {
        let started = ContinuousClock.now
        let task = Task { try await ProcessRunner.capture(["sleep", "30"], in: "/") }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let result = try await task.value
        #expect(result.exitCode == 137)
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
