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

    @Test("a failed attempt is retried with a note and a growing delay until the retries are used up")
    func failedAttempt() {
        let result = DispatchResult(end: .exited, exitCode: 2, duration: 1, outputTail: "line 1\nboom")
        let first = FailedAttempt(role: .worker, attempt: 1, failures: 1, reason: "codex exit 2", result: result)
        #expect(!first.isFinal(retries: 2))
        #expect(first.retryNote.contains("Attempt 1 of this round ended without a usable report: codex exit 2"))
        #expect(first.retryNote.contains("boom"))
        #expect(first.retryDelay(base: 5) == 5)
        let third = FailedAttempt(role: .worker, attempt: 3, failures: 3, reason: "codex exit 2", result: result)
        #expect(third.isFinal(retries: 2))
        #expect(third.retryDelay(base: 5) == 20)
        #expect(third.giveUpMessage(log: "r1.log") == "worker dispatch failed after 3 attempts: codex exit 2 — last output: line 1 | boom (log: r1.log)")
        var permanent = result
        permanent.isPermanentError = true
        permanent.errorMessage = "unknown model"
        let auth = FailedAttempt(role: .reviewer, attempt: 1, failures: 1, reason: "claude exit 1", result: permanent)
        #expect(auth.isFinal(retries: 2))
        #expect(auth.reason == "claude exit 1: unknown model")
        #expect(auth.giveUpMessage(log: "x") == "reviewer dispatch failed after 1 attempt: claude exit 1: unknown model (log: x)")
    }
}
