import Foundation
import LoopCore
import Testing

@testable import LoopBackends

/// Each CLI's recorded-style output, read by its parser.
@Suite struct ParserFixtureTests {
    // MARK: - codex

    @Test("codex: session from thread.started, last agent_message, usage summed over turns")
    func codexSuccess() throws {
        let output = try Fixture.parse("codex_success.jsonl", with: .codex)
        #expect(output.sessionID == "0199a213-81c0-7800-8aa1-bbab2a035a53")
        #expect(output.finalMessage == "Added --verbose to main.swift, tests pass, and wrote .loop/work_report.json.")
        #expect(output.usage == TokenUsage(inputTokens: 55_783, outputTokens: 608, cachedInputTokens: 52_608))
        #expect(output.errorMessage == nil)
        #expect(output.rateLimit == nil)
        #expect(!output.isPermanentError)
    }

    @Test("codex: a usage limit in turn.failed is a rate limit with the reset 2 h 5 min ahead")
    func codexRateLimit() throws {
        let before = Date()
        let output = try Fixture.parse("codex_rate_limit.jsonl", with: .codex)
        let after = Date()
        let limit = try #require(output.rateLimit)
        let reset = try #require(limit.resetAt)
        #expect(reset >= before.addingTimeInterval(7_500) && reset <= after.addingTimeInterval(7_500))
        #expect(limit.message.contains("You've hit your usage limit"))
        #expect(output.errorMessage?.contains("usage limit") == true)
        #expect(!output.isPermanentError)
        #expect(output.sessionID == "0199a5f0-2c11-7d31-9e0b-6a3c1f4be2d0")
    }

    @Test("codex: clap's unexpected-argument error on stderr is permanent")
    func codexUnknownFlag() throws {
        let output = try Fixture.parse("codex_unknown_flag.stderr.txt", with: .codex, stream: .stderr)
        #expect(output.isPermanentError)
        #expect(output.errorMessage == "error: unexpected argument '--dangerously-skip-everything' found")
        #expect(output.rateLimit == nil)
    }

    // MARK: - claude

    @Test("claude: session, result text, cost and usage with cache reads counted as input")
    func claudeSuccess() throws {
        let output = try Fixture.parse("claude_success.jsonl", with: .claude)
        #expect(output.sessionID == "8f2c6f1e-3b7a-4d52-9a41-0c5de1b7a9f3")
        #expect(
            output.finalMessage
                == "Added --verbose to Sources/cli/main.swift; swift test passes (12 tests). Work report written to .loop/work_report.json."
        )
        #expect(
            output.usage
                == TokenUsage(inputTokens: 104_589, outputTokens: 1_562, cachedInputTokens: 98_431, costUSD: 0.1383))
        #expect(output.errorMessage == nil)
        #expect(output.rateLimit == nil)
    }

    @Test("claude: 'usage limit reached|epoch' is a rate limit resetting at that epoch")
    func claudeRateLimitEpoch() throws {
        let output = try Fixture.parse("claude_rate_limit.jsonl", with: .claude)
        let limit = try #require(output.rateLimit)
        #expect(limit.resetAt == Date(timeIntervalSince1970: 1_767_193_200))
        #expect(output.errorMessage == "Claude AI usage limit reached|1767193200")
        #expect(!output.isPermanentError)
        #expect(output.sessionID == "41d0c1b2-9e77-4a8f-b2f3-5d6e7f809a1b")
    }

    @Test("claude: 'resets 3pm (Europe/Berlin)' resets at the next 15:00 Berlin time")
    func claudeRateLimitClock() throws {
        let before = Date()
        let output = try Fixture.parse("claude_limit_clock.jsonl", with: .claude)
        let reset = try #require(output.rateLimit?.resetAt)
        #expect(reset > before && reset <= before.addingTimeInterval(86_400))
        var berlin = Calendar(identifier: .gregorian)
        berlin.timeZone = try #require(TimeZone(identifier: "Europe/Berlin"))
        let parts = berlin.dateComponents([.hour, .minute, .second], from: reset)
        #expect(parts.hour == 15 && parts.minute == 0 && parts.second == 0)
    }

    @Test("claude: 'Invalid API key · Please run /login' is permanent, not a limit")
    func claudeAuthError() throws {
        let output = try Fixture.parse("claude_auth_error.jsonl", with: .claude)
        #expect(output.isPermanentError)
        #expect(output.rateLimit == nil)
        #expect(output.errorMessage == "Invalid API key · Please run /login")
    }

    // MARK: - opencode

    @Test("opencode: last text part, sessionID, tokens and cost summed over step_finish")
    func opencodeSuccess() throws {
        let output = try Fixture.parse("opencode_success.jsonl", with: .opencode)
        #expect(output.sessionID == "ses_494719016ffe85dkDMj0FPRbHK")
        #expect(output.finalMessage == "Added the --verbose flag and wrote .loop/work_report.json.")
        let usage = try #require(output.usage)
        #expect(usage.inputTokens == 24_428)
        #expect(usage.cachedInputTokens == 22_016)
        #expect(usage.outputTokens == 317)
        #expect(abs((usage.costUSD ?? 0) - 0.0204) < 1e-9)
        #expect(output.errorMessage == nil)
    }

    @Test("opencode: an error event with HTTP status 429 is a rate limit")
    func opencodeRateLimit() throws {
        let output = try Fixture.parse("opencode_error.jsonl", with: .opencode)
        #expect(output.rateLimit?.message == "APIError: Provider returned error")
        #expect(output.rateLimit?.resetAt == nil)
        #expect(output.errorMessage == "APIError: Provider returned error")
        #expect(!output.isPermanentError)
    }

    // MARK: - gemini

    @Test("gemini: the pretty-printed json object gives response, session and tokens of every model")
    func geminiSuccess() throws {
        let output = try Fixture.parse("gemini_success.json", with: .gemini)
        #expect(output.sessionID == "b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d")
        #expect(
            output.finalMessage
                == "I added the --verbose flag to Sources/cli/main.swift and wrote .loop/work_report.json.\n\nAll 12 tests pass."
        )
        #expect(output.usage == TokenUsage(inputTokens: 26_139, outputTokens: 1_168, cachedInputTokens: 21_263))
        #expect(output.errorMessage == nil)
    }

    @Test("gemini: RESOURCE_EXHAUSTED on stderr is a rate limit resetting in 23.5 s")
    func geminiRateLimit() throws {
        let before = Date()
        let output = try Fixture.parse("gemini_rate_limit.stderr.json", with: .gemini, stream: .stderr)
        let after = Date()
        let reset = try #require(output.rateLimit?.resetAt)
        #expect(reset >= before.addingTimeInterval(23.5) && reset <= after.addingTimeInterval(23.5))
        #expect(output.errorMessage?.contains("Quota exceeded") == true)
        #expect(!output.isPermanentError)
    }

    @Test("gemini: stream-json joins delta chunks after the last tool call and reads result stats")
    func geminiStream() throws {
        let output = try Fixture.parse("gemini_stream.jsonl", with: .gemini)
        #expect(output.sessionID == "e5d4c3b2-a190-4f8e-9d7c-6b5a49382716")
        #expect(output.finalMessage == "Done: the flag is added and the report is written.")
        #expect(output.usage == TokenUsage(inputTokens: 8_700, outputTokens: 420, cachedInputTokens: 4_096))
    }

    // MARK: - aider and mini

    @Test("aider: Tokens lines summed, session cost taken, last lines as the final message")
    func aiderSuccess() throws {
        let output = try Fixture.parse("aider_success.txt", with: .aider)
        #expect(
            output.usage
                == TokenUsage(inputTokens: 7_500, outputTokens: 344, cachedInputTokens: 1_200, costUSD: 0.0053))
        let message = try #require(output.finalMessage)
        #expect(message.hasSuffix("The flag is in place; run `swift test` to confirm."))
        #expect(!message.contains("Tokens:"))
        #expect(output.errorMessage == nil)
    }

    @Test("aider: a litellm RateLimitError line is a rate limit; AuthenticationError is permanent")
    func aiderErrors() {
        var limited = AiderParser()
        limited.consume(
            "litellm.RateLimitError: AnthropicException - This request would exceed your organization's rate limit. Retry after 40 seconds.",
            from: .stdout)
        #expect(limited.output.rateLimit != nil)
        #expect(limited.output.hasReportedError)
        var denied = AiderParser()
        denied.consume("litellm.AuthenticationError: OpenAIException - Incorrect API key provided", from: .stdout)
        #expect(denied.output.isPermanentError)
        #expect(denied.output.rateLimit == nil)
    }

    @Test("mini: plain text, the last lines are the final message, nothing else is invented")
    func miniText() throws {
        let output = try Fixture.parse("mini_success.txt", with: .text)
        let message = try #require(output.finalMessage)
        #expect(message.hasSuffix("Saved trajectory to '/home/dev/.config/mini-swe-agent/last_mini_run.traj.json'"))
        #expect(output.usage == nil)
        #expect(output.sessionID == nil)
        #expect(output.errorMessage == nil)
        #expect(output.rateLimit == nil)
    }
}
