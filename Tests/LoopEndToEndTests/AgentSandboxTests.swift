import Foundation
import LoopTestSupport
import Testing

/// External agent CLIs under the same roof, on request: `--agent-sandbox` or
/// `backends.<name>.sandbox: true` runs them in bubblewrap, and without it the run says which
/// backends run with their permission checks off and outside any sandbox.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct AgentSandboxTests {
    /// A worker that tries to write outside the worktree and read the user's checkout, then
    /// writes what happened into work.txt and reports.
    static func escapingWorker(_ repo: TestRepo) -> String {
        """
        cat >/dev/null
        touch '\(repo.root)/escaped-by-agent' 2>/dev/null || true
        echo "changed" >'\(repo.path)/README.md' 2>/dev/null || true
        cat '\(repo.path)/private.txt' >>"$LOOP_WORKDIR/work.txt" 2>/dev/null || echo "no read outside" >>"$LOOP_WORKDIR/work.txt"
        work_report
        """
    }

    static let quietApprove = """
        cat >/dev/null
        review_report approve
        """

    private func prepare(extra: [String] = []) async throws -> TestRepo {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: Self.escapingWorker(repo), reviewer: Self.quietApprove, extra: extra)
        try "PRIVATE-CHECKOUT-CONTENT\n".write(toFile: repo.path + "/private.txt", atomically: false, encoding: .utf8)
        return repo
    }

    private func escaped(_ repo: TestRepo) async throws -> (
        wroteOutside: Bool, changedCheckout: Bool, readCheckout: Bool
    ) {
        let work = try await repo.git("show", "loop/T-1:work.txt")
        let readme = try String(contentsOfFile: repo.path + "/README.md", encoding: .utf8)
        return (
            FileManager.default.fileExists(atPath: repo.root + "/escaped-by-agent"), readme.contains("changed"),
            work.contains("PRIVATE-CHECKOUT-CONTENT")
        )
    }

    @Test(
        "--agent-sandbox: a command backend cannot write outside the worktree or read the checkout, and still reports",
        .enabled(if: BubblewrapRequirement.shouldRun))
    func flagConfines() async throws {
        let repo = try await prepare()
        let result = try await repo.run(["--agent-sandbox"])
        #expect(result.exitCode == 0, "\(result.output)")
        let found = try await escaped(repo)
        #expect(!found.wroteOutside && !found.changedCheckout && !found.readCheckout, "\(found)")
        #expect(try Bus(repo).text("logs/T-1/r1_worker.log").contains("(agent sandbox)"))
    }

    @Test(
        "backends.<name>.sandbox: true confines that backend without the flag",
        .enabled(if: BubblewrapRequirement.shouldRun))
    func configConfines() async throws {
        let repo = try await prepare(extra: ["sandbox: true"])
        let result = try await repo.run()
        #expect(result.exitCode == 0, "\(result.output)")
        let found = try await escaped(repo)
        #expect(!found.wroteOutside && !found.changedCheckout && !found.readCheckout, "\(found)")
    }

    @Test("control: without a sandbox setting the same worker does escape")
    func unsandboxedEscapes() async throws {
        let repo = try await prepare()
        let result = try await repo.run()
        #expect(result.exitCode == 0, "\(result.output)")
        let found = try await escaped(repo)
        #expect(found.wroteOutside && found.changedCheckout && found.readCheckout, "\(found)")
    }

    @Test("the run's first lines name each backend that runs with its permission checks off, unless sandboxed")
    func bypassNamed() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        let plain = try await runLoop(
            ["run", "--auto-dispatch", "--worker-backend", "codex", "--reviewer-backend", "claude"], in: repo.path)
        #expect(
            plain.stdout.contains(
                "codex (worker) runs with its permission checks disabled (--dangerously-bypass-approvals-and-sandbox) and outside any sandbox"
            ),
            "\(plain.output)")
        #expect(
            plain.stdout.contains(
                "claude (reviewer) runs with its permission checks disabled (--dangerously-skip-permissions)"),
            "\(plain.output)")
        let sandboxed = try await runLoop(
            ["run", "--auto-dispatch", "--agent-sandbox", "--worker-backend", "codex", "--reviewer-backend", "claude"],
            in: repo.path)
        #expect(!sandboxed.stdout.contains("permission checks disabled"), "\(sandboxed.output)")
    }
}
