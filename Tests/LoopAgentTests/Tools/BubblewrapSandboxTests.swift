import Foundation
import LoopCore
import LoopTestSupport
import Testing

@testable import LoopAgent

/// What the bubblewrap sandbox confines, proven by running commands in it. Where bubblewrap
/// cannot run the suite is skipped (counted as skipped); in CI (`CI=true`) it always runs.
@Suite(.serialized, .timeLimit(.minutes(2)), .enabled(if: BubblewrapRequirement.shouldRun))
struct BubblewrapSandboxTests {
    @Test("detection finds a working bubblewrap, and a missing one names the fix")
    func detection() async {
        let missing = await ShellSandbox.detect(configuration: .init(bwrapPath: "/nonexistent/bwrap"))
        #expect(!missing.canRun)
        #expect(missing.message.contains("install bubblewrap") && missing.message.contains("--unsafe-shell"))
        let unsafe = await ShellSandbox.detect(
            configuration: .init(allowsUnsafeShell: true, bwrapPath: "/nonexistent/bwrap"))
        #expect(unsafe.canRun && unsafe.message.contains("WITHOUT a sandbox"))
        let found = await ShellSandbox.detect()
        guard case .sandboxed = found else {
            Issue.record("bwrap is installed but the probe failed: \(found.message)")
            return
        }
    }

    @Test("writes inside the workspace land on disk, in the workspace as working folder")
    func writesInside() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        guard let sandbox = await ShellTestSupport.bubblewrap(for: fixture) else { return }
        let outcome = await sandbox.run("echo made > made.txt && mkdir -p sub && cp made.txt sub/ && pwd")
        #expect(outcome.status == .exited(0))
        #expect(outcome.output == fixture.root + "\n")
        #expect(try fixture.read("sub/made.txt") == "made\n")
    }

    @Test("writes outside the workspace fail and leave the host untouched")
    func writesOutsideFail() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        guard let sandbox = await ShellTestSupport.bubblewrap(for: fixture) else { return }
        let marker = "loop-sandbox-\(UUID().uuidString)"
        let targets = ["/etc/\(marker)", "/work/\(marker)", fixture.outside + "/\(marker)", "/var/tmp/\(marker)"]
        for target in targets {
            let outcome = await sandbox.run("echo x > '\(target)' && echo WROTE")
            #expect(outcome.status != .exited(0), "\(target): \(outcome.output)")
            #expect(!outcome.output.contains("WROTE"))
            #expect(!FileManager.default.fileExists(atPath: target), "\(target) exists on the host")
        }
        let scratch = await sandbox.run("echo x > /tmp/\(marker) && cat /tmp/\(marker)")
        #expect(scratch.status == .exited(0))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/\(marker)"), "/tmp inside is a private tmpfs")
    }

    @Test("a runaway write stops at the file-size limit, in the workspace and in /tmp, and the limit cannot be raised")
    func fileSizeLimit() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        guard let sandbox = await ShellTestSupport.bubblewrap(for: fixture, maxFileBytes: 1 << 20) else { return }
        let workspace = await sandbox.run("head -c 8M /dev/zero > big.bin; echo \"exit $?\"")
        #expect(workspace.output.contains("exit 153"), "SIGXFSZ (128 + 25): \(workspace.output)")
        let size = (try? FileManager.default.attributesOfItem(atPath: fixture.root + "/big.bin")[.size] as? Int) ?? -1
        #expect(size == 1 << 20, "the file stops at the limit")
        let tmp = await sandbox.run("head -c 8M /dev/zero > /tmp/big.bin; echo \"exit $?\"; df -k /tmp | tail -1")
        #expect(tmp.output.contains("exit 153"), "\(tmp.output)")
        let raise = await sandbox.run("ulimit -f unlimited && head -c 2M /dev/zero > again.bin && echo RAISED")
        #expect(raise.status != .exited(0) && !raise.output.contains("RAISED"), "\(raise.output)")
    }

    @Test("the network is unreachable even on loopback, while the host can connect")
    func noNetwork() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        guard let sandbox = await ShellTestSupport.bubblewrap(for: fixture) else { return }
        let listener = try ShellTestSupport.makeListener()
        defer { listener.close() }
        let probe = "echo hi > /dev/tcp/127.0.0.1/\(listener.port) && echo CONNECTED"
        let host = try await ProcessRunner.capture(["bash", "-c", probe], in: fixture.root)
        #expect(host.stdout.contains("CONNECTED"), "control: the host must reach its own listener")
        let inside = await sandbox.run(probe)
        #expect(inside.status != .exited(0))
        #expect(!inside.output.contains("CONNECTED"))
    }

    @Test("secrets in the PM's environment are not visible to commands")
    func environmentScrubbed() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        guard let sandbox = await ShellTestSupport.bubblewrap(for: fixture) else { return }
        let secrets = [
            "OPENAI_API_KEY": "sk-loop-test-secret", "GITHUB_TOKEN": "ghp-loop-test-secret",
            "LOOP_TEST_PLAIN": "plain-value",
        ]
        let outcome = await ShellTestSupport.withEnvironment(secrets) { await sandbox.run("env") }
        #expect(outcome.status == .exited(0))
        #expect(!outcome.output.contains("loop-test-secret"))
        #expect(!outcome.output.contains("LOOP_TEST_PLAIN"), "nothing outside the allow-list is inherited")
        #expect(outcome.output.contains("TERM=dumb") && outcome.output.contains("GIT_PAGER=cat"))
    }

    @Test("a command past the timeout is killed with everything it started")
    func timeoutKillsAll() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        guard let sandbox = await ShellTestSupport.bubblewrap(for: fixture, timeout: .seconds(1)) else { return }
        let marker = "loopmarker\(UInt32.random(in: 1_000_000...9_999_999))"
        let started = ContinuousClock.now
        let outcome = await sandbox.run("(exec -a \(marker) sleep 300) & echo started; sleep 300")
        #expect(outcome.status == .timedOut(seconds: 1))
        #expect(outcome.output.contains("started"))
        #expect(ContinuousClock.now - started < .seconds(15))
        try await Task.sleep(for: .milliseconds(500))
        #expect(ShellTestSupport.processes(containing: marker).isEmpty, "a sandboxed process survived the timeout")
    }

    @Test("killing the parent or every process ends only the sandbox")
    func killAttemptsStayInside() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        guard let sandbox = await ShellTestSupport.bubblewrap(for: fixture) else { return }
        // Guard: without a pid namespace `kill -9 -1` as root would kill every process on the
        // machine. Refuse to send it unless the sandbox demonstrably has its own namespace.
        let namespace = await sandbox.run("readlink /proc/self/ns/pid")
        let hostNamespace = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")
        guard namespace.status == .exited(0), !namespace.output.isEmpty, !namespace.output.contains(hostNamespace)
        else {
            Issue.record("the sandbox shares the host pid namespace; not sending kill -1 (\(namespace.output))")
            return
        }
        let bystander = Process()
        bystander.executableURL = URL(fileURLWithPath: "/bin/sleep")
        bystander.arguments = ["60"]
        try bystander.run()
        defer { bystander.terminate() }
        for command in [
            "kill -9 $PPID; echo after", "kill -9 -1; echo after", "kill -9 $(cut -d' ' -f4 /proc/$$/stat)",
        ] {
            let outcome = await sandbox.run(command)
            #expect(outcome.status != .timedOut(seconds: 20), "\(command)")
        }
        #expect(bystander.isRunning, "a process outside the sandbox was killed")
        #expect(ProcessControl.isAlive(getpid()))
    }

    @Test("git can inspect the repository but cannot commit: .git is read-only inside")
    func gitReadOnly() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        guard let sandbox = await ShellTestSupport.bubblewrap(for: fixture) else { return }
        let setup = "git init -q && git -c user.name=t -c user.email=t@t commit -q --allow-empty -m init"
        let initialised = try await ProcessRunner.capture(["bash", "-c", setup], in: fixture.root)
        try #require(initialised.succeeded, "git setup failed: \(initialised.stderr)")
        try fixture.write("new.txt", "x\n")
        let status = await sandbox.run("git status --short")
        #expect(status.status == .exited(0) && status.output.contains("?? new.txt"))
        let commit = await sandbox.run("git add new.txt && git -c user.name=a -c user.email=a@a commit -qm sneaky")
        #expect(commit.status != .exited(0))
        let destroy = await sandbox.run("rm -rf .git")
        #expect(destroy.status != .exited(0))
        let log = try await ProcessRunner.capture(["git", "log", "--oneline"], in: fixture.root)
        #expect(log.stdout.split(separator: "\n").count == 1)
        #expect(FileManager.default.fileExists(atPath: fixture.root + "/.git/HEAD"))
    }

    @Test("configured credential paths are hidden inside the sandbox")
    func hidesCredentials() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write("creds/token", "secret-token\n", under: fixture.outside)
        try fixture.write("netrc", "machine x password y\n", under: fixture.outside)
        let hidden = [fixture.outside + "/creds", fixture.outside + "/netrc"]
        guard let sandbox = await ShellTestSupport.bubblewrap(for: fixture, hiddenPaths: hidden) else { return }
        let outcome = await sandbox.run("cat '\(fixture.outside)/creds/token' '\(fixture.outside)/netrc'")
        #expect(!outcome.output.contains("secret-token") && !outcome.output.contains("password"))
    }

    @Test("the run tool reports the exit code and caps long output")
    func runTool() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        guard let sandbox = await ShellTestSupport.bubblewrap(for: fixture) else { return }
        let box = ToolBox(workspace: fixture.workspace, shell: sandbox, limits: ToolLimits(outputBytes: 1024))
        let failing = await box.call("run", ["command": .string("echo oops >&2; exit 3")])
        #expect(failing == ToolResult(text: "exit code 3\noops\n"))
        let long = await box.call("run", ["command": .string("seq 1 100000")])
        #expect(!long.isError && long.text.utf8.count <= 1024)
        #expect(long.text.components(separatedBy: "bytes cut;").count == 2, "exactly one notice")
        #expect(long.text.hasPrefix("exit code 0\n1\n2\n") && long.text.hasSuffix("99999\n100000\n"))
        #expect(long.text.contains("bytes cut;"))
    }
}
