import Foundation
import LoopCore
import Testing

@testable import LoopBackends

/// When limit and permanent-error findings are believed.
@Suite struct OutputMonitorTests {
    func monitor(_ kind: ParserKind, pattern: String? = nil, lines: [(LoopCore.OutputStream, String)]) throws
        -> OutputMonitor
    {
        let monitor = OutputMonitor(
            parser: kind.makeParser(), customLimitPattern: try pattern.map { try TextPattern($0) })
        for (stream, line) in lines { monitor.consume(line, from: stream) }
        return monitor
    }

    @Test("diagnostic matches count only when the process failed")
    func diagnosticsNeedAFailure() throws {
        let lines: [(LoopCore.OutputStream, String)] = [
            (.stderr, "429 Too Many Requests"), (.stderr, "error: unknown option '--x'"),
        ]
        let clean = try monitor(.text, lines: lines).finish(exitedCleanly: true)
        #expect(clean.rateLimit == nil && !clean.isPermanentError && clean.errorMessage == nil)
        let failed = try monitor(.text, lines: lines).finish(exitedCleanly: false)
        #expect(failed.rateLimit?.message == "429 Too Many Requests")
        #expect(failed.errorMessage == "429 Too Many Requests")
        #expect(!failed.isPermanentError, "a limit wins over a permanent error: waiting is cheaper than giving up")
        let permanent = try monitor(.text, lines: [(.stderr, "error: unknown option '--x'")]).finish(
            exitedCleanly: false)
        #expect(permanent.isPermanentError)
    }

    @Test("an error the CLI reported itself counts even when it exited 0")
    func reportedErrorsCountAlways() throws {
        let lines = try Fixture.lines("claude_rate_limit.jsonl").map { (LoopCore.OutputStream.stdout, $0) }
        let output = try monitor(.claude, lines: lines).finish(exitedCleanly: true)
        #expect(output.rateLimit?.resetAt == Date(timeIntervalSince1970: 1_767_193_200))
    }

    @Test("rate_limit_pattern counts whatever the exit code, and only its first match is kept")
    func customPattern() throws {
        let output = try monitor(
            .text, pattern: "out of credits",
            lines: [(.stdout, "Out of credits; try again in 10 minutes"), (.stdout, "out of credits again")]
        ).finish(exitedCleanly: true)
        #expect(output.rateLimit?.message == "Out of credits; try again in 10 minutes")
        #expect(output.rateLimit?.resetAt != nil)
        #expect(output.errorMessage == "Out of credits; try again in 10 minutes")
    }

    @Test("the last output time moves with each line")
    func lastOutput() throws {
        let monitor = try monitor(.text, lines: [])
        #expect(monitor.lastOutputAt == nil)
        let before = Date()
        monitor.consume("hello", from: .stdout)
        #expect((monitor.lastOutputAt ?? .distantPast) >= before)
    }
}
