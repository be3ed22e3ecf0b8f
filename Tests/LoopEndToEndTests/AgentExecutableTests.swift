import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// The built-in agent is its own executable, `loop-agent`, beside `loop`: `loop` stays off the
/// networking stack, `loop agent` still works, and a missing `loop-agent` is one clear line.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct AgentExecutableTests {
    /// `loop-agent` beside the built `loop`.
    static var agentBinary: String {
        ((LoopBinary.path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("loop-agent")
    }

    #if os(Linux)
        @Test("loop links no networking: no FoundationNetworking, libcurl or TLS library; loop-agent does")
        func loopLinksNoNetworking() async throws {
            let networking = ["libFoundationNetworking", "libcurl", "libssl", "libldap", "libkrb5", "libssh"]
            let loop = try await ProcessRunner.capture(["ldd", LoopBinary.path], in: "/")
            #expect(loop.succeeded, "\(loop.stderr)")
            for library in networking {
                #expect(!loop.stdout.contains(library), "loop links \(library):\n\(loop.stdout)")
            }
            // The same check on loop-agent shows the check can see the library when it is there
            // (a static build links Foundation in, so only the dynamic build is asserted).
            let agent = try await ProcessRunner.capture(["ldd", Self.agentBinary], in: "/")
            if agent.stdout.contains("libswiftCore.so") {
                #expect(agent.stdout.contains("libFoundationNetworking"), "\(agent.stdout)")
            }
        }
    #endif

    @Test("loop agent becomes loop-agent: same arguments, same exit code")
    func loopAgentForwards() async throws {
        let repo = try await TestRepo.make(git: false, initLoop: false)
        let viaLoop = try await runLoop(["agent", "--version"], in: repo.root)
        #expect(viaLoop.exitCode == 0, "\(viaLoop.output)")
        #expect(viaLoop.stdout == LoopVersion.current, "\(viaLoop.output)")
        // A bad option is loop-agent's usage error (64), not loop's.
        let bad = try await runLoop(["agent", "--provider", "nope", "--model", "m"], in: repo.root)
        #expect(bad.exitCode == 64, "\(bad.output)")
        #expect(bad.stderr.contains("--provider must be ollama or openai"), "\(bad.stderr)")
    }

    @Test("a loop without loop-agent beside it says in one line where it looked and how to install it")
    func missingAgentIsOneLine() async throws {
        let repo = try await TestRepo.make(git: false, initLoop: false)
        let folder = repo.root + "/bin"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: LoopBinary.path, toPath: folder + "/loop")
        let result = try await ProcessRunner.capture(
            [folder + "/loop", "agent", "--provider", "ollama", "--model", "m"], in: repo.root)
        #expect(result.exitCode == LoopExitCode.configError.rawValue, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("\(folder)/loop-agent"), "names where it looked: \(result.stderr)")
        #expect(result.stderr.contains("scripts/install"), "says how to install: \(result.stderr)")
    }

    @Test("a symlinked loop finds loop-agent beside the real file")
    func symlinkedLoopFindsAgent() async throws {
        let repo = try await TestRepo.make(git: false, initLoop: false)
        let link = repo.root + "/loop"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: LoopBinary.path)
        let result = try await ProcessRunner.capture([link, "agent", "--version"], in: repo.root)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == LoopVersion.current)
    }

    @Test("scripts/install puts loop-agent and loop-serve beside loop, and the installed loop agent runs it")
    func installPutsAgentBesideLoop() async throws {
        let repo = try await TestRepo.make(git: false, initLoop: false)
        let prefix = repo.root + "/prefix"
        let installed = try await ProcessRunner.capture(
            ["/bin/bash", "\(LoopBinary.packageRoot)/scripts/install", prefix], in: repo.root,
            environment: ["LOOP_INSTALL_BINARY": LoopBinary.path])
        #expect(installed.exitCode == 0, "\(installed.stdout)\(installed.stderr)")
        #expect(FileManager.default.isExecutableFile(atPath: prefix + "/bin/loop-agent"))
        #expect(FileManager.default.isExecutableFile(atPath: prefix + "/bin/loop-serve"))
        #expect(installed.stdout.contains("loop-serve"), "\(installed.stdout)")
        let agent = try await ProcessRunner.capture([prefix + "/bin/loop", "agent", "--version"], in: repo.root)
        #expect(agent.exitCode == 0, "\(agent.stderr)")
        #expect(agent.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == LoopVersion.current)
    }

    @Test("loop run with the built-in agent and no loop-agent stops at preflight with the install line")
    func preflightNamesMissingAgent() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(verify: ["true"])
        let missing = repo.root + "/nowhere/loop-agent"
        let result = try await repo.loop(
            ["run", "--auto-dispatch", "--worker-backend", "ollama", "--worker-model", "m", "--reviewer-backend",
             "ollama", "--reviewer-model", "m"],
            environment: ["LOOP_AGENT_EXECUTABLE": missing])
        #expect(result.exitCode == LoopExitCode.configError.rawValue, "\(result.output)")
        #expect(result.output.contains(AgentExecutable.missingMessage(at: missing)), "\(result.output)")
        #expect(!Bus(repo).exists("state.json"), "no run started")
    }
}
