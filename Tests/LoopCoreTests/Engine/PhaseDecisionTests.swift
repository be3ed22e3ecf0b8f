import Foundation
import Testing

@testable import LoopCore

/// The phases' decisions as pure values: no engine, no git, no files.
struct PhaseDecisionTests {
    func result(_ command: String, passed: Bool, output: String = "") -> VerifyResult {
        VerifyResult(
            command: command, exitCode: passed ? 0 : 1, passed: passed, timedOut: false, durationS: 0.1, output: output)
    }

    @Test("the verify gate passes only when every command passed, and each failure is a fix with its output")
    func verifyVerdict() {
        #expect(VerifyGate.Verdict(results: []).passed)
        let verdict = VerifyGate.Verdict(results: [
            result("make lint", passed: true), result("make test", passed: false, output: "3 tests failed"),
        ])
        #expect(!verdict.passed)
        #expect(verdict.failingCommands == ["make test"])
        #expect(verdict.fixes.count == 1)
        #expect(verdict.fixes.first?.command == "make test" && verdict.fixes.first?.source == "verify")
        #expect(verdict.fixes.first?.requiredChange?.contains("3 tests failed") == true)
        #expect(verdict.evidence.map(\.passed) == [true, false])
    }

    @Test(
        "a decided round ends the run approved, stalled, out of rounds, or goes on",
        arguments: [
            (true, true, 3, RoundEnd.approved), (false, true, 1, .noProgress), (false, false, 3, .outOfRounds),
            (false, false, 2, .nextRound),
        ])
    func roundEnd(approved: Bool, stalled: Bool, round: Int, expected: RoundEnd) {
        #expect(RoundEnd.decide(approved: approved, isStalled: stalled, round: round, maxRounds: 3) == expected)
    }
}
