import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// loop-kit cards run unchanged: ids loop-kit accepts, its defaults for missing fields.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CardCompatibilityTests {
    @Test("a card whose id cannot name a branch, and without a goal, runs under the id's safe form")
    func loopKitIDRuns() async throws {
        let repo = try await TestRepo.make()
        try repo.write(".loop/task_card.json", #"{"task_id": "JIRA 12: fix login", "in_scope": ["work.txt"]}"#)
        try repo.useAgents()
        let result = try await repo.run()
        #expect(result.exitCode == 0, "\(result.output)")
        let safe = TaskCard.safeTaskID("JIRA 12: fix login")
        #expect(try Bus(repo).outcome["task_id"] as? String == safe)
        #expect(try await repo.git("rev-parse", "--verify", "loop/\(safe)").count == 40)
    }
}
