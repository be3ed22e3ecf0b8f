import Foundation
import LoopTestSupport
import Testing

/// A usage limit is not a failure: the PM waits (or pauses with exit 75) and retries the same round.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RateLimitTests {
    /// Attempt 1 prints the backend's limit wording and fails; later attempts work.
    static let limitedOnce = """
        if [ "$(attempt worker)" -eq 1 ]; then
            echo "Error: usage limit reached for this account; try again in 1s" >&2
            exit 1
        fi
        change
        work_report
        """

    @Test("a limit message then success: the PM waits, retries the same round, and the limit costs no retry")
    func waitsThenRetries() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: Self.limitedOnce, extra: [#"rate_limit_pattern: "usage limit""#])
        let bus = Bus(repo)

        // LOOP_LIMIT_WAIT_MAX caps the wait so the test takes a second, not the default half minute.
        let result = try await repo.run(["--dispatch-retries", "0"], environment: ["LOOP_LIMIT_WAIT_MAX": "1"])

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try repo.read(repo.scratchFile("worker.count")).contains("2"))
        let events = try bus.eventNames
        #expect(events.contains("limit_wait"), "\(events)")
        #expect(events.contains("limit_wait_over"), "\(events)")
        #expect(!events.contains("dispatch_failed"), "a limit is not a failed dispatch: \(events)")
        #expect(try bus.rounds.count == 1, "the same round is retried")
        #expect(result.output.contains("usage limit"), "\(result.output)")
    }

    @Test("loop stop during a long usage-limit wait ends it at once: exit 76, stopped in working; --resume finishes")
    func stopEndsALimitWait() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        let worker = Self.limitedOnce.replacingOccurrences(of: "try again in 1s", with: "try again in 600s")
        try repo.useAgents(worker: worker, extra: [#"rate_limit_pattern: "usage limit""#])
        let bus = Bus(repo)
        let run = repo.start(["--dispatch-retries", "0"], environment: ["LOOP_LIMIT_WAIT_MAX": "600"])
        try await eventually("the PM waits for the limit") { (try? bus.eventNames.contains("limit_wait")) == true }

        let stop = try await repo.loop("stop")
        #expect(stop.exitCode == 0, "\(stop.output)")
        let started = ContinuousClock.now
        let result = try await run.wait()
        #expect(result.exitCode == 76, "\(result.output)")
        #expect(ContinuousClock.now - started < .seconds(60), "the 600 s wait was not sat out")
        #expect(try bus.state["phase"] as? String == "stopped")
        #expect(try bus.state["stopped_in"] as? String == "working")
        #expect(try bus.state["limit_until"] == nil)
        #expect(!bus.exists("control.json"))

        let resumed = try await repo.run(["--resume"])
        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try bus.outcome["result"] as? String == "approved")
        #expect(try bus.rounds.count == 1)
    }

    @Test("--no-wait-on-limit pauses with exit 75 and state paused; --resume then finishes the round")
    func pausesThenResumes() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: Self.limitedOnce, extra: [#"rate_limit_pattern: "usage limit""#])
        let bus = Bus(repo)

        let paused = try await repo.run(["--no-wait-on-limit"])

        #expect(paused.exitCode == 75, "\(paused.output)")
        let state = try bus.state
        #expect(state["phase"] as? String == "paused")
        #expect(state["result"] as? String == "paused")
        #expect(state["limit_until"] as? String != nil)
        #expect((state["reason"] as? String)?.contains("usage limit") == true, "\(state["reason"] ?? "-")")
        #expect(try bus.outcome["result"] as? String == "paused")
        #expect(paused.output.contains("--resume"), "\(paused.output)")

        let resumed = try await repo.run(["--resume"])

        #expect(resumed.exitCode == 0, "\(resumed.output)")
        #expect(try bus.outcome["result"] as? String == "approved")
        #expect(try bus.rounds.count == 1)
        #expect(try repo.read(repo.scratchFile("worker.count")).contains("2"))
    }

    @Test("loop status shows the limit wait while the PM waits it out")
    func statusDuringLimitWait() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: Self.limitedOnce, extra: [#"rate_limit_pattern: "usage limit""#])
        let run = repo.start(environment: ["LOOP_LIMIT_WAIT_MAX": "3"])
        try await eventually("the PM waits on the limit") {
            (try? Bus(repo).state["limit_until"] as? String) != nil
        }

        let status = try await repo.loop("status", "--json")

        let document = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(document["limit_until"] as? String != nil, "\(document)")
        #expect((document["limit_message"] as? String)?.contains("usage limit") == true, "\(document)")
        #expect(try await repo.loop("status").stdout.contains("limit"))
        #expect(try await run.wait().exitCode == 0)
    }

    @Test("the generic wording of a provider limit is recognised without a configured pattern")
    func genericLimitWording() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(
            worker: """
                if [ "$(attempt worker)" -eq 1 ]; then
                    echo "API error: 429 Too Many Requests (rate limit exceeded), retry after 1 seconds" >&2
                    exit 1
                fi
                change
                work_report
                """)

        let result = try await repo.run(["--no-wait-on-limit"])

        #expect(result.exitCode == 75, "\(result.output)")
        #expect(try Bus(repo).state["phase"] as? String == "paused")
    }

    @Test("an agent that exits 0 after merely mentioning a rate limit in its work is not paused")
    func mentionIsNotALimit() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(
            worker: """
                echo "I added retry handling for when the rate limit is exceeded (HTTP 429 Too Many Requests)."
                change
                work_report
                """)

        let result = try await repo.run(["--no-wait-on-limit"])

        #expect(result.exitCode == 0, "\(result.output)")
    }
}
