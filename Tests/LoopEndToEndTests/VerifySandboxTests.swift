import Foundation
import LoopTestSupport
import Testing

/// Verify commands run model-written code: in bubblewrap, with no secrets, no network and no
/// writes or reads outside the worktree — unless the user says otherwise, and then every
/// round's verify log says so.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct VerifySandboxTests {
    /// Commands that print what they could reach; each prints a marker the test looks for.
    static func probes(repo: TestRepo, port: UInt16) -> [String] {
        [
            "echo \"KEY[$OPENAI_API_KEY] TOKEN[$GITHUB_TOKEN]\"",
            // Inside the sandbox this may land in its private /tmp; what counts is the host.
            "touch '\(repo.root)/escaped-by-verify' 2>/dev/null; true",
            "cat '\(repo.root)/outside.txt' 2>/dev/null || echo NO-READ-OUTSIDE",
            "(exec 3<>/dev/tcp/127.0.0.1/\(port)) 2>/dev/null && echo NET-OPEN || echo NET-CLOSED",
            "echo made > verify-made.txt && echo WROTE-WORKTREE",
        ]
    }

    static let secrets = ["OPENAI_API_KEY": "sk-verify-secret-0001", "GITHUB_TOKEN": "ghp_verifysecret0002"]

    private func prepare(extra: String = "") async throws -> (TestRepo, ScriptedHTTPServer) {
        let repo = try await TestRepo.make()
        let server = try ScriptedHTTPServer()
        try "OUTSIDE-CONTENT\n".write(toFile: repo.root + "/outside.txt", atomically: false, encoding: .utf8)
        try repo.writeCard(verify: Self.probes(repo: repo, port: server.port), extra: extra)
        try repo.useAgents()
        return (repo, server)
    }

    @Test(
        "verify commands see no secrets, no network, nothing outside the worktree, and can write in it",
        .enabled(if: BubblewrapRequirement.shouldRun))
    func sandboxed() async throws {
        let (repo, server) = try await prepare()
        defer { server.stop() }
        let result = try await repo.run(environment: Self.secrets)
        let log = try Bus(repo).text("logs/T-1/r1_verify.log")
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(log.contains("verify commands run in bubblewrap") && log.contains("no network"), "\(log)")
        #expect(log.contains("KEY[] TOKEN[]"), "\(log)")
        #expect(!log.contains("sk-verify-secret") && !log.contains("ghp_verifysecret"))
        #expect(
            !FileManager.default.fileExists(atPath: repo.root + "/escaped-by-verify"), "a verify command wrote outside")
        #expect(log.contains("NO-READ-OUTSIDE") && !log.contains("OUTSIDE-CONTENT"), "\(log)")
        #expect(log.contains("NET-CLOSED"), "\(log)")
        #expect(log.contains("WROTE-WORKTREE"), "\(log)")
    }

    @Test("verify_network: true in the card keeps the network", .enabled(if: BubblewrapRequirement.shouldRun))
    func networkOnRequest() async throws {
        let (repo, server) = try await prepare(extra: #""verify_network": true"#)
        defer { server.stop() }
        let result = try await repo.run()
        let log = try Bus(repo).text("logs/T-1/r1_verify.log")
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(log.contains("network allowed") && log.contains("NET-OPEN"), "\(log)")
        #expect(
            !FileManager.default.fileExists(atPath: repo.root + "/escaped-by-verify"), "the rest of the sandbox stays")
    }

    @Test("--unsafe-verify and LOOP_UNSAFE_VERIFY=1 turn the sandbox off, and the verify log says so")
    func unsafeVerify() async throws {
        for (arguments, environment) in [(["--unsafe-verify"], [String: String]()), ([], ["LOOP_UNSAFE_VERIFY": "1"])] {
            let (repo, server) = try await prepare()
            defer { server.stop() }
            let result = try await repo.run(arguments, environment: environment.merging(Self.secrets) { $1 })
            let log = try Bus(repo).text("logs/T-1/r1_verify.log")
            #expect(result.exitCode == 0, "\(result.output)")
            #expect(log.contains("verify commands run WITHOUT a sandbox (--unsafe-verify)"), "\(log)")
            #expect(
                FileManager.default.fileExists(atPath: repo.root + "/escaped-by-verify")
                    && log.contains("OUTSIDE-CONTENT"))
        }
    }

    @Test("without bubblewrap, preflight refuses in one line naming the install and --unsafe-verify")
    func preflightWithoutBwrap() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(verify: ["true"])
        try repo.useAgents()
        // A PATH with the tools the run needs and no bwrap.
        let bin = repo.root + "/bin-without-bwrap"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for tool in ["git", "bash", "env", "sh", "cat", "mv", "dirname", "basename", "printf"] {
            for folder in ["/usr/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(folder)/\(tool)") {
                try? FileManager.default.createSymbolicLink(
                    atPath: "\(bin)/\(tool)", withDestinationPath: "\(folder)/\(tool)")
            }
        }
        let result = try await repo.run(environment: ["PATH": bin])
        #expect(result.exitCode != 0, "\(result.output)")
        let line = try #require(result.output.split(separator: "\n").first { $0.contains("bubblewrap") })
        #expect(line.contains("apt-get install bubblewrap") && line.contains("--unsafe-verify"), "\(line)")
        #expect(!Bus(repo).exists("logs/T-1/r1_worker.log"), "nothing was dispatched")
        // A card without verify commands needs no sandbox for them.
        try repo.writeCard()
        let noVerify = try await repo.run(environment: ["PATH": bin])
        #expect(noVerify.exitCode == 0, "\(noVerify.output)")
        try repo.writeCard(verify: ["true"])
        let unsafe = try await repo.run(["--unsafe-verify"], environment: ["PATH": bin])
        #expect(unsafe.exitCode == 0, "\(unsafe.output)")
    }
}
