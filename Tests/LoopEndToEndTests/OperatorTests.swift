import Foundation
import LoopCore
import LoopTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Watching and steering a run from a second terminal: `status --watch`, `events`,
/// `pause` / `continue` / `stop` (issue 13).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct OperatorTests {
    /// Waits until events.jsonl holds an event named `name`.
    private func waitForEvent(_ repo: TestRepo, _ name: String) async throws {
        try await eventually("event \(name) recorded") { (try? Bus(repo).eventNames.contains(name)) == true }
    }

    // MARK: - pause / continue / stop

    @Test("pause holds the run after the worker's dispatch (status says paused), continue lets it finish approved")
    func pauseAndContinue() async throws {
        let repo = try await TestRepo.make()
        let run = try await repo.startHeldRun()

        let pause = try await repo.loop("pause")
        #expect(pause.exitCode == 0, "\(pause.output)")
        #expect(pause.stdout.contains("pausing run"), "\(pause.stdout)")
        try repo.releaseWorker()
        try await waitForEvent(repo, "run_held")

        // Held after the worker phase: the reviewer has not been started while paused.
        try await Task.sleep(for: .milliseconds(600))
        #expect(!repo.hasMarker("reviewer_prompt_r1.txt"))
        let bus = Bus(repo)
        #expect(bus.phase == "verifying")
        let status = try await repo.loop("status")
        #expect(status.stdout.contains("PAUSED"), "\(status.stdout)")
        let json = try await repo.loop("status", "--json")
        #expect(json.stdout.contains(#""control" : "pause""#), "\(json.stdout)")

        let resume = try await repo.loop("continue")
        #expect(resume.exitCode == 0, "\(resume.output)")
        let result = try await run.wait()
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(repo.hasMarker("reviewer_prompt_r1.txt"))
        let names = try bus.eventNames
        #expect(names.contains("run_continued"), "\(names)")
        #expect(try bus.state["result"] as? String == "approved")
    }

    @Test("stop ends the run after the current round with exit 76, saved as stopped; --resume finishes it")
    func stopAfterRoundThenResume() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: AgentScript.heldWorker, reviewer: AgentScript.rejectOnce)
        let run = try await repo.start(waitingFor: "worker-started")

        let stop = try await repo.loop("stop")
        #expect(stop.exitCode == 0, "\(stop.output)")
        #expect(stop.stdout.contains("after round 1"), "\(stop.stdout)")
        let status = try await repo.loop("status")
        #expect(status.stdout.contains("stopping after this round"), "\(status.stdout)")
        try repo.releaseWorker()
        let result = try await run.wait()
        #expect(result.exitCode == 76, "\(result.output)")
        #expect(result.stdout.contains("run --resume"), "\(result.stdout)")

        let bus = Bus(repo)
        #expect(bus.phase == "stopped")
        #expect(try bus.state["round"] as? Int == 2)
        #expect(try bus.state["result"] as? String == "stopped")
        #expect(try bus.outcome["result"] as? String == "stopped")
        #expect(try bus.outcome["exit_code"] as? Int == 76)
        #expect(!bus.exists("control.json"), "an acted-on stop is consumed, so --resume does not stop again")
        #expect(try bus.eventNames.contains("run_stopped"))
        // Round 1 finished (its review asked for changes); round 2 never started.
        #expect(!repo.hasMarker("reviewer_prompt_r2.txt"))

        let resumed = try await repo.run(["--resume"])
        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try bus.state["result"] as? String == "approved")
        #expect(try bus.state["round"] as? Int == 2)
    }

    @Test("stop while paused stops at once, in the phase it was held in, and --resume continues there")
    func stopWhilePaused() async throws {
        let repo = try await TestRepo.make()
        let run = try await repo.startHeldRun()
        #expect(try await repo.loop("pause").exitCode == 0)
        try repo.releaseWorker()
        try await waitForEvent(repo, "run_held")

        let stop = try await repo.loop("stop")
        #expect(stop.exitCode == 0, "\(stop.output)")
        #expect(stop.stdout.contains("now"), "\(stop.stdout)")
        let result = try await run.wait()
        #expect(result.exitCode == 76, "\(result.output)")
        let bus = Bus(repo)
        #expect(try bus.state["stopped_in"] as? String == "verifying")
        #expect(!repo.hasMarker("reviewer_prompt_r1.txt"))

        let resumed = try await repo.run(["--resume"])
        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(repo.hasMarker("reviewer_prompt_r1.txt"))
        #expect(try bus.state["result"] as? String == "approved")
    }

    @Test("a control.json left for another run is ignored, and the PM says so")
    func staleControlFileIsIgnored() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        try repo.write(
            ".loop/control.json",
            #"{"schema_version": 1, "action": "stop", "run_id": "an-old-dead-run", "requested_at": "2026-01-01T00:00:00Z"}"#
        )
        let result = try await repo.run()
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(result.stderr.contains("ignoring .loop/control.json"), "\(result.stderr)")
        #expect(result.stderr.contains("an-old-dead-run"), "\(result.stderr)")
        #expect(try Bus(repo).eventNames.contains("control_ignored"))
    }

    @Test("pause, continue and stop refuse with exit 1 and one line when no PM is running")
    func steeringWithoutARun() async throws {
        let repo = try await TestRepo.make()
        for command in ["pause", "continue", "stop"] {
            let result = try await repo.loop(command)
            #expect(result.exitCode == 1, "\(command): \(result.output)")
            #expect(result.errorLines.count == 1, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("No run on this bus"), "\(result.stderr)")
        }
        try repo.writeCard()
        try repo.useAgents()
        #expect(try await repo.run().exitCode == 0)
        let after = try await repo.loop("pause")
        #expect(after.exitCode == 1)
        #expect(after.stderr.contains("not running"), "\(after.stderr)")
    }

    // MARK: - status --watch

    @Test("status --watch, piped, prints a block per change and ends by itself when the run has finished")
    func watchEndsWithTheRun() async throws {
        let repo = try await TestRepo.make()
        let run = try await repo.startHeldRun()
        let watch = LoopProcess(["status", "--watch", "--interval", "0.2"], in: repo.path)
        try await eventually("the watcher shows the working run") { watch.outputSoFar.contains("state:    working") }
        try await Task.sleep(for: .milliseconds(800))
        // Nothing changed while the worker is held: one block, not one per interval.
        #expect(watch.outputSoFar.components(separatedBy: "--- ").count - 1 == 1, "\(watch.outputSoFar)")

        try repo.releaseWorker()
        #expect(try await run.wait().exitCode == 0)
        let watched = try await watch.wait()
        #expect(watched.exitCode == 0, "\(watched.output)")
        #expect(watched.stdout.contains("result:   approved"), "\(watched.stdout)")
        #expect(!watched.stdout.contains("\u{1B}["), "no escape sequences when not a terminal")
    }

    @Test("status --watch ends with exit 0 on Ctrl+C")
    func watchEndsOnInterrupt() async throws {
        let repo = try await TestRepo.make()
        let watch = LoopProcess(["status", "--watch", "--interval", "0.2"], in: repo.path)
        try await eventually("the watcher printed the idle bus") { watch.outputSoFar.contains("idle") }
        try await watch.send(SIGINT)
        let result = try await watch.wait()
        #expect(result.exitCode == 0, "\(result.output)")
    }

    // MARK: - events

    @Test("events prints readable lines, --json the file's lines as they are, --since filters by round")
    func eventsOfATwoRoundRun() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(reviewer: AgentScript.rejectOnce)
        #expect(try await repo.run().exitCode == 0)

        let text = try await repo.loop("events")
        #expect(text.exitCode == 0, "\(text.output)")
        let lines = text.stdout.split(separator: "\n")
        let file = try Bus(repo).text("events.jsonl").split(separator: "\n")
        #expect(lines.count == file.count)
        #expect(lines.contains { $0.contains("run_finished") && $0.contains("result=approved") }, "\(text.stdout)")
        #expect(!text.stdout.contains("{"), "readable lines, not JSON: \(text.stdout)")

        let json = try await repo.loop("events", "--json")
        #expect(json.stdout.split(separator: "\n") == file)

        let since = try await repo.loop("events", "--json", "--since", "2")
        let rounds = since.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["round"] as? Int
        }
        #expect(!rounds.isEmpty)
        #expect(rounds.allSatisfy { $0 >= 2 }, "\(rounds)")
        #expect(rounds.count == since.stdout.split(separator: "\n").count)
    }

    @Test("events --follow waits for a file that does not exist yet, prints new events, ends with 0 on Ctrl+C")
    func eventsFollow() async throws {
        let repo = try await TestRepo.make()
        let follow = LoopProcess(["events", "--follow"], in: repo.path)
        try await Task.sleep(for: .milliseconds(500))
        try repo.writeCard()
        try repo.useAgents()
        #expect(try await repo.run().exitCode == 0)
        try await eventually("the follower printed the end of the run") { follow.outputSoFar.contains("run_finished") }
        try await follow.send(SIGINT)
        let result = try await follow.wait()
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(result.stdout.contains("round_started"), "\(result.stdout)")
    }

    // MARK: - completions

    @Test("--generate-completion-script writes a script for bash, zsh and fish naming the new commands")
    func completionScripts() async throws {
        let repo = try await TestRepo.make(initLoop: false)
        for shell in ["bash", "zsh", "fish"] {
            let result = try await repo.loop("--generate-completion-script", shell)
            #expect(result.exitCode == 0, "\(shell): \(result.output)")
            for command in ["status", "events", "pause", "continue", "stop"] {
                #expect(result.stdout.contains(command), "\(shell) script lacks \(command)")
            }
        }
    }

    @Test("bash can source the completion script, and it completes subcommands and status --watch")
    func bashCompletes() async throws {
        let repo = try await TestRepo.make(initLoop: false)
        let script = try await repo.loop("--generate-completion-script", "bash")
        try repo.write("loop.bash", script.stdout)
        let binDirectory = (LoopBinary.path as NSString).deletingLastPathComponent
        let probe = """
            source loop.bash || exit 9
            complete -p loop || exit 8
            COMP_WORDS=(loop ""); COMP_CWORD=1; COMP_LINE="loop "; COMP_POINT=5; _loop; echo "top: ${COMPREPLY[*]}"
            COMP_WORDS=(loop status ""); COMP_CWORD=2; COMP_LINE="loop status "; COMP_POINT=12; _loop
            echo "status: ${COMPREPLY[*]}"
            """
        let result = try await ProcessRunner.capture(
            ["/bin/bash", "-c", probe], in: repo.path, environment: ["PATH": "\(binDirectory):/usr/bin:/bin"])
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        let top = result.stdout.split(separator: "\n").first { $0.hasPrefix("top: ") } ?? ""
        for command in ["events", "pause", "continue", "stop"] { #expect(top.contains(command), "\(top)") }
        #expect(result.stdout.contains("--watch"), "\(result.stdout)")
    }
}
