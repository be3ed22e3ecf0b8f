import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// The live status block of `loop run`, seen in a real terminal: tmux runs `loop run`, and
/// the test reads the screen with `capture-pane` (issue 13).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct LiveViewTests {
    /// One tmux server (its own socket) holding one 100×30 window for the test.
    struct Tmux {
        let socket = "loop-test-\(UUID().uuidString.prefix(8))"
        let directory: String

        @discardableResult
        func run(_ arguments: [String]) async throws -> String {
            let result = try await ProcessRunner.capture(["tmux", "-L", socket] + arguments, in: directory)
            guard result.exitCode == 0 else {
                throw SetupFailure("tmux \(arguments.joined(separator: " ")) failed: \(result.stderr)")
            }
            return result.stdout
        }

        /// Starts `command` (a shell line) in a detached session; the pane stays after it ends.
        func start(_ command: String) async throws {
            try await run(["new-session", "-d", "-x", "100", "-y", "30", "-s", "live", command + "; sleep 120"])
        }

        /// The visible screen, one string per line, trailing blanks dropped.
        func screen() async throws -> [String] {
            try await run(["capture-pane", "-p", "-t", "live"]).split(separator: "\n", omittingEmptySubsequences: false)
                .map { String($0).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
                .filter { !$0.isEmpty }
        }

        /// Polls the screen until `condition` holds.
        func waitForScreen(_ what: String, _ condition: ([String]) -> Bool) async throws -> [String] {
            let deadline = ContinuousClock.now + .seconds(30)
            while true {
                let lines = try await screen()
                if condition(lines) { return lines }
                if ContinuousClock.now >= deadline {
                    throw TimedOut(what: "\(what); the screen was:\n\(lines.joined(separator: "\n"))")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }

        func stop() async {
            _ = try? await ProcessRunner.capture(["tmux", "-L", socket, "kill-server"], in: directory)
        }
    }

    /// A worker that prints a line, then waits for `release` like `AgentScript.heldWorker`.
    static let talkingHeldWorker = """
        echo "worker is thinking very hard about work.txt"
        record worker-started
        while [ ! -f "$STATE/release" ]; do sleep 0.05; done
        change
        work_report
        """

    /// `loop run` with the test backends, as a shell line for tmux: no inherited LOOP_*,
    /// NO_COLOR or CI, so the terminal decides; `environment` is added (e.g. `NO_COLOR=1`).
    private func runLine(_ repo: TestRepo, environment: String = "", arguments: [String] = []) -> String {
        let unset = ProcessInfo.processInfo.environment.keys.filter { $0.hasPrefix("LOOP_") }.map { "-u \($0)" }
        let command = ([LoopBinary.path] + TestRepo.runArguments(arguments)).map { "'\($0)'" }.joined(separator: " ")
        return "cd '\(repo.path)' && env -u NO_COLOR -u CI \(unset.joined(separator: " ")) \(environment) \(command)"
    }

    @Test(
        "on a terminal one status block is redrawn in place under the scrolling lines, survives a resize, and is gone at the end"
    )
    func liveBlockInTmux() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: Self.talkingHeldWorker)
        let tmux = Tmux(directory: repo.path)
        defer { Task { [tmux] in await tmux.stop() } }
        try await tmux.start(runLine(repo))

        let during = try await tmux.waitForScreen("the block shows the worker's last line") { lines in
            lines.contains { $0.contains("last: worker is thinking very hard") }
        }
        let blocks = during.filter { $0.hasPrefix(">> ") }
        #expect(blocks.count == 1, "\(during)")
        let block = try #require(blocks.first)
        #expect(block.contains("T-1 · round 1/3 · worker (test-worker) working"), "\(block)")
        // The block is the bottom of the output: the plain lines scroll above it.
        #expect(during.last?.contains("last: worker is thinking") == true, "\(during)")
        #expect(during.contains { $0.hasPrefix("[loop] round 1 · worker (test-worker) started") }, "\(during)")
        // The elapsed time ticks: the block is redrawn in place, not printed again.
        let ticked = try await tmux.waitForScreen("the elapsed time moves on") { lines in
            (lines.first { $0.hasPrefix(">> ") } ?? block) != block
        }
        #expect(ticked.filter { $0.hasPrefix(">> ") }.count == 1, "\(ticked)")

        try await tmux.run(["resize-window", "-t", "live", "-x", "40", "-y", "20"])
        let narrow = try await tmux.waitForScreen("the block is redrawn for 40 columns") { lines in
            lines.contains { $0.hasPrefix(">> ") && $0.count <= 39 && $0.contains("…") }
        }
        #expect(narrow.filter { $0.hasPrefix(">> ") }.count == 1, "one block after the resize: \(narrow)")
        #expect(narrow.allSatisfy { $0.count <= 40 }, "\(narrow)")

        try repo.releaseWorker()
        let after = try await tmux.waitForScreen("the run ends approved") { lines in
            lines.contains { $0.contains("T-1: approved after 1 round") }
        }
        #expect(!after.contains { $0.hasPrefix(">> ") || $0.contains("last: ") }, "no block left: \(after)")
        #expect(after.contains { $0.contains("reviewer: approve") }, "\(after)")
    }

    @Test("NO_COLOR on a terminal gives the plain lines, no block")
    func noColorIsPlain() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: Self.talkingHeldWorker)
        let tmux = Tmux(directory: repo.path)
        defer { Task { [tmux] in await tmux.stop() } }
        try await tmux.start(runLine(repo, environment: "NO_COLOR=1"))
        try await eventually("the worker runs") { repo.hasMarker("worker-started") }
        try await Task.sleep(for: .milliseconds(1500))
        let during = try await tmux.screen()
        #expect(during.contains { $0.contains("worker (test-worker) started") }, "\(during)")
        #expect(!during.contains { $0.hasPrefix(">> ") || $0.contains("last: ") }, "\(during)")
        #expect(!during.contains { $0.contains("[worker r1]") }, "agent output only with --verbose: \(during)")
        try repo.releaseWorker()
        _ = try await tmux.waitForScreen("the run ends") { $0.contains { $0.contains("approved after") } }
    }

    @Test("--verbose on a terminal scrolls the agent's lines above the block")
    func verboseScrollsAgentLines() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: Self.talkingHeldWorker)
        let tmux = Tmux(directory: repo.path)
        defer { Task { [tmux] in await tmux.stop() } }
        try await tmux.start(runLine(repo, arguments: ["--verbose"]))
        let during = try await tmux.waitForScreen("the block is drawn") { lines in
            lines.contains { $0.contains("last: worker is thinking") }
        }
        #expect(during.contains { $0.hasPrefix("  [worker r1] worker is thinking") }, "\(during)")
        #expect(during.last?.contains("last: ") == true, "\(during)")
        try repo.releaseWorker()
        _ = try await tmux.waitForScreen("the run ends") { $0.contains { $0.contains("approved after") } }
    }

    @Test("--quiet prints only the result line")
    func quietPrintsOnlyTheResult() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(reviewer: AgentScript.rejectOnce)
        let result = try await repo.run(["--quiet"])
        #expect(result.exitCode == 0, "\(result.output)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stdout)")
        #expect(lines.first?.contains("T-1: approved after 2 rounds") == true, "\(result.stdout)")

        let both = try await repo.run(["--quiet", "--verbose"])
        #expect(both.exitCode == 64, "\(both.output)")
    }

    @Test("status --watch on a terminal redraws one block in place")
    func watchRedrawsInPlace() async throws {
        let repo = try await TestRepo.make()
        let run = try await repo.startHeldRun()
        let tmux = Tmux(directory: repo.path)
        defer { Task { [tmux] in await tmux.stop() } }
        let unset = ProcessInfo.processInfo.environment.keys.filter { $0.hasPrefix("LOOP_") }.map { "-u \($0)" }
        try await tmux.start(
            "cd '\(repo.path)' && env -u NO_COLOR -u CI \(unset.joined(separator: " ")) '\(LoopBinary.path)' status --watch --interval 0.2"
        )
        let first = try await tmux.waitForScreen("the watcher shows the run") { lines in
            lines.contains { $0.hasPrefix("state:    working") }
        }
        let footer = try #require(first.first { $0.contains("Ctrl+C to quit") })
        // Redrawn in place: the footer's clock changes, the block is never repeated.
        let later = try await tmux.waitForScreen("the footer moves on") { lines in
            lines.contains { $0.contains("Ctrl+C to quit") && $0 != footer }
        }
        #expect(later.filter { $0.hasPrefix("task:") }.count == 1, "\(later)")
        #expect(later.first?.hasPrefix("task:") == true, "the block starts at the top: \(later)")
        try repo.releaseWorker()
        #expect(try await run.wait().exitCode == 0)
        let done = try await tmux.waitForScreen("the watcher shows the result") { lines in
            lines.contains { $0.hasPrefix("result:   approved") }
        }
        #expect(done.filter { $0.hasPrefix("task:") }.count == 1, "\(done)")
    }
}
