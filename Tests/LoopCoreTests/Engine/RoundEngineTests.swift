import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// The round engine driven in process by a fake dispatcher: round flow, verdicts, fix lists
/// and stops, with a real git repository because the engine commits the worker's changes.
struct RoundEngineTests {
    @Test("a round the reviewer approves and verify passes ends the run approved")
    func approveInRoundOne() async throws {
        let harness = try EngineHarness(
            verify: ["test -f feature.txt"], worker: [.work(FakeWork(files: ["feature.txt": "done\n"]))],
            reviewer: [.review(.approve)])
        let state = try await harness.runToEnd()
        #expect(state.phase == .done)
        #expect(state.result == .approved)
        #expect(state.round == 1)
        let record = try #require(state.rounds.first)
        #expect(record.approved == true && record.verifyPassed == true && record.decision == "approve")
        #expect(record.filesChanged == ["feature.txt"])
        let tip = try EngineHarness.git(["rev-parse", "refs/heads/\(state.branch)"], in: harness.repository)
        #expect(tip == state.headSHA)
        #expect(harness.dispatcher.remaining == (0, 0))
    }

    @Test("changes required in round 1 reach round 2's worker as its fix list, and round 2 is approved")
    func changesRequiredThenApprove() async throws {
        let harness = try EngineHarness(
            worker: [.work(FakeWork(files: ["a.txt": "1\n"])), .work(FakeWork(files: ["a.txt": "2\n"]))],
            reviewer: [.review(.changesRequired("a.txt must say 2")), .review(.approve)])
        let state = try await harness.runToEnd()
        #expect(state.result == .approved)
        #expect(state.round == 2)
        #expect(state.rounds.map(\.decision) == ["changes_required", "approve"])
        let second = try #require(harness.dispatcher.received(.worker).last)
        #expect(second.request.round == 2)
        let fixList = try #require(second.fixList)
        #expect(fixList.contains("a.txt must say 2"))
        #expect(second.request.prompt.contains("a.txt must say 2"))
    }

    @Test("a failing verify command blocks the approval and its output goes into the fix list")
    func verifyFailureCarriesOutput() async throws {
        let harness = try EngineHarness(
            verify: ["echo VERIFY-SAYS-MISSING; test -f fixed.txt"],
            worker: [.work(FakeWork(files: ["other.txt": "x\n"])), .work(FakeWork(files: ["fixed.txt": "x\n"]))],
            reviewer: [.review(.approve), .review(.approve)])
        let state = try await harness.runToEnd()
        #expect(state.rounds.first?.verifyPassed == false)
        #expect(state.rounds.first?.approved == false)
        let fixList = try #require(harness.dispatcher.received(.worker).last?.fixList)
        #expect(fixList.contains("VERIFY-SAYS-MISSING"))
        #expect(fixList.contains("test -f fixed.txt"))
        #expect(state.result == .approved && state.round == 2)
        #expect(state.rounds.last?.verifyPassed == true)
    }

    @Test("a worker that stopped stuck ends the round; the next round's fix list names what it got stuck on")
    func stuckWorkerGoesToNextRound() async throws {
        let harness = try EngineHarness(
            worker: [
                .work(
                    FakeWork(
                        files: ["half.txt": "half\n"], status: "stopped", stoppedReason: "repeated_failure",
                        stuckOn: "the build script keeps failing")),
                .work(FakeWork(files: ["half.txt": "whole\n"])),
            ],
            reviewer: [.review(.changesRequired("finish it")), .review(.approve)])
        let state = try await harness.runToEnd()
        #expect(state.rounds.first?.workerStopped == "repeated_failure")
        let fixList = try #require(harness.dispatcher.received(.worker).last?.fixList)
        #expect(fixList.contains("the build script keeps failing"))
        #expect(state.result == .approved && state.round == 2)
    }

    @Test("a run the reviewer never approves is exhausted after max rounds")
    func maxRoundsExhausts() async throws {
        let harness = try EngineHarness(
            maxRounds: 2,
            worker: [.work(FakeWork(files: ["a.txt": "1\n"])), .work(FakeWork(files: ["a.txt": "2\n"]))],
            reviewer: [.review(.changesRequired("no")), .review(.changesRequired("still no"))])
        let state = try await harness.runToEnd()
        #expect(state.phase == .exhausted)
        #expect(state.result == .exhausted)
        #expect(state.stoppedIn == nil)
        #expect(state.reason == "no approval after 2 rounds")
        #expect(state.round == 2)
    }

    @Test("rounds that change nothing stop the run with a question for a person")
    func noProgressStops() async throws {
        let harness = try EngineHarness(
            verify: ["false"], maxRounds: 5,
            worker: [.work(FakeWork()), .work(FakeWork()), .work(FakeWork())])
        let state = try await harness.runToEnd()
        #expect(state.phase == .exhausted)
        #expect(state.needsHelp == true)
        #expect(state.round == 2)
        #expect(state.rounds.allSatisfy { $0.stalled == true && $0.decision == "no_change" })
        #expect(state.reason?.hasPrefix("no progress") == true)
        #expect(FileManager.default.fileExists(atPath: harness.paths.needsHelp))
        #expect(harness.dispatcher.received(.reviewer).isEmpty)
    }

    @Test("a worker that crashes with no retries left fails the round where it stopped")
    func crashedWorkerFailsRound() async throws {
        let harness = try EngineHarness(worker: [.crash(exitCode: 3)])
        let code = try await harness.runController()
        let state = try harness.state
        #expect(code == .roundFailed)
        #expect(state.phase == .failed && state.result == .failed)
        #expect(state.stoppedIn == .working)
        #expect(state.reason?.contains("exit 3") == true)
    }

    @Test("values for the agent travel in the dispatch request, not in the engine's environment")
    func agentEnvironmentInRequest() async throws {
        let harness = try EngineHarness(worker: [.work(FakeWork(files: ["a.txt": "1\n"]))], reviewer: [.review(.approve)])
        harness.options.unsafeShell = true
        harness.options.maxTokens = 1_000_000
        try await harness.runToEnd()
        let request = try #require(harness.dispatcher.received(.worker).first?.request)
        #expect(request.agentEnvironment["LOOP_UNSAFE_SHELL"] == "1")
        #expect(request.agentEnvironment["LOOP_TOKENS_LEFT"] == "1000000")
        #expect(ProcessInfo.processInfo.environment["LOOP_TOKENS_LEFT"] == nil)
    }

    @Test("a crashed attempt is retried, and the retry's prompt says what the failed attempt did")
    func crashIsRetriedWithNote() async throws {
        let harness = try EngineHarness(
            worker: [.crash(exitCode: 3), .work(FakeWork(files: ["a.txt": "1\n"]))], reviewer: [.review(.approve)])
        harness.options.dispatchRetries = 1
        let state = try await harness.runToEnd()
        #expect(state.result == .approved)
        let attempts = harness.dispatcher.received(.worker)
        #expect(attempts.count == 2)
        #expect(state.rounds.first?.worker?.attempt == 2)
        #expect(attempts.last?.request.prompt.contains("=== PREVIOUS ATTEMPT FAILED ===") == true)
        #expect(attempts.last?.request.prompt.contains("fake agent crashed") == true)
    }
}
