import Foundation
import LoopTestSupport
import Testing

/// Every recorded exit code is the one the process exits with.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ExitCodeEventTests {
    /// The repository is returned too: it removes its folder when released.
    private func stop(_ arguments: [String], with signal: Int32) async throws -> (LoopResult, Bus, TestRepo) {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: AgentScript.hangOnFirstCall(seconds: 120))
        let run = try await repo.start(arguments, waitingFor: "ready")
        try await run.send(signal)
        return (try await run.wait(), Bus(repo), repo)
    }

    private func finishedCodes(_ bus: Bus) throws -> [Int] {
        try bus.events.filter { $0["event"] as? String == "run_finished" }.compactMap { event in
            (event["exit_code"] as? Int) ?? ((event["fields"] as? [String: Any])?["exit_code"] as? Int)
        }
    }

    @Test("SIGTERM: the PM exits 143, and outcome.json and run_finished say 143 (not 130)")
    func sigterm() async throws {
        let (stopped, bus, repo) = try await stop([], with: SIGTERM)
        defer { withExtendedLifetime(repo) {} }
        #expect(stopped.exitCode == 143, "\(stopped.output)")
        #expect(try bus.outcome["exit_code"] as? Int == 143)
        let log = (try? bus.text("events.jsonl")) ?? ""
        #expect(try finishedCodes(bus) == [143], "\(log)")
    }

    @Test("SIGINT: 130 everywhere")
    func sigint() async throws {
        let (stopped, bus, repo) = try await stop([], with: SIGINT)
        defer { withExtendedLifetime(repo) {} }
        #expect(stopped.exitCode == 130, "\(stopped.output)")
        #expect(try bus.outcome["exit_code"] as? Int == 130)
        let log = (try? bus.text("events.jsonl")) ?? ""
        #expect(try finishedCodes(bus) == [130], "\(log)")
    }

    @Test("SIGTERM to a lone --single-round: exit 143 and 143 recorded")
    func singleRound() async throws {
        let (stopped, bus, repo) = try await stop(["--single-round"], with: SIGTERM)
        defer { withExtendedLifetime(repo) {} }
        #expect(stopped.exitCode == 143, "\(stopped.output)")
        #expect(try bus.outcome["exit_code"] as? Int == 143)
        let log = (try? bus.text("events.jsonl")) ?? ""
        #expect(try finishedCodes(bus) == [143], "\(log)")
    }
}
