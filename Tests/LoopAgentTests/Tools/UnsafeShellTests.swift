#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore
import Testing

@testable import LoopAgent

/// Direct execution under `--unsafe-shell`: still scrubbed, time-limited and blocklisted.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct UnsafeShellTests {
    private func sandbox(
        _ fixture: ToolSandboxFixture, timeout: Duration = .seconds(20), maxFileBytes: Int = 1 << 30
    ) -> ShellSandbox {
        ShellSandbox(
            workspace: fixture.workspace,
            configuration: .init(
                timeout: timeout, killGrace: .milliseconds(300), allowsUnsafeShell: true, maxFileBytes: maxFileBytes),
            availability: .unsafe(reason: "test"))
    }

    @Test("a runaway write stops at the file-size limit here too; without root the command cannot raise it")
    func fileSizeLimit() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        let outcome = await sandbox(fixture, maxFileBytes: 1 << 20).run(
            "head -c 8M /dev/zero > big.bin; echo \"exit $?\"; ulimit -f unlimited && echo RAISED")
        #expect(outcome.output.contains("exit 153"), "SIGXFSZ (128 + 25): \(outcome.output)")
        // Root keeps CAP_SYS_RESOURCE outside bubblewrap and may raise a hard limit; nobody else can.
        if geteuid() != 0 { #expect(!outcome.output.contains("RAISED"), "\(outcome.output)") }
        let size = (try? FileManager.default.attributesOfItem(atPath: fixture.root + "/big.bin")[.size] as? Int) ?? -1
        #expect(size == 1 << 20)
    }

    @Test("commands run in the workspace with a scrubbed environment")
    func runsScrubbed() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        let secrets = ["OPENAI_API_KEY": "sk-unsafe-test-secret", "DEPLOY_PASSWORD": "pw-unsafe-test-secret"]
        let outcome = await ShellTestSupport.withEnvironment(secrets) {
            await sandbox(fixture).run("pwd; echo x > made.txt; env")
        }
        #expect(outcome.status == .exited(0))
        #expect(outcome.output.hasPrefix(fixture.root + "\n"))
        #expect(!outcome.output.contains("unsafe-test-secret"))
        #expect(outcome.output.contains("PAGER=cat"))
        #expect(try fixture.read("made.txt") == "x\n")
    }

    @Test("a blocked command does not run at all")
    func blockedDoesNotRun() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        let outcome = await sandbox(fixture).run("touch marker; sudo true")
        guard case .blocked(let message) = outcome.status else {
            Issue.record("expected blocked, got \(outcome.status)")
            return
        }
        #expect(message.contains("asks for root privileges"))
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/marker"))
        let box = ToolBox(workspace: fixture.workspace, shell: sandbox(fixture))
        // Harmless even if the blocklist regressed: the device does not exist.
        let result = await box.call("run", ["command": .string("mkfs.ext4 /nonexistent/loop-test-device")])
        #expect(result.isError && result.text.contains("command refused: it formats a disk"))
    }

    @Test("a command that slips past the blocklist still cannot kill the PM through $PPID")
    func parentKillHitsIntermediateShell() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        let outcome = await sandbox(fixture).run("kill -9 $(cut -d' ' -f4 /proc/$$/stat); sleep 1; echo survived")
        #expect(outcome.status != .timedOut(seconds: 20))
        #expect(ProcessControl.isAlive(getpid()))
    }

    @Test("a command past the timeout is stopped")
    func timesOut() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        let marker = "loopunsafe\(UInt32.random(in: 1_000_000...9_999_999))"
        let started = ContinuousClock.now
        let outcome = await sandbox(fixture, timeout: .seconds(1)).run("(exec -a \(marker) sleep 300) & sleep 300")
        #expect(outcome.status == .timedOut(seconds: 1))
        #expect(ContinuousClock.now - started < .seconds(10))
        try await Task.sleep(for: .milliseconds(300))
        #expect(ShellTestSupport.processes(containing: marker).isEmpty)
    }
}
