import Foundation
import LoopCore
import Testing

@testable import LoopBackends

/// The shared limit classifier, reset-time parsing and the permanent-error check.
@Suite struct ClassifierTests {
    /// 2026-11-23 10:00 UTC (11:00 in Berlin).
    static let now = Date(timeIntervalSince1970: 1_795_428_000)

    static func utc(_ text: String) -> Date? { Timestamp.parse(text) }

    @Test(
        "limit phrases with a relative reset give now + that many seconds",
        arguments: [
            (
                "Rate limit reached for gpt-5 in organization org-x on tokens per min (TPM): Limit 30000. Please try again in 6.5s.",
                6.5
            ),
            ("stream error: 429 Too Many Requests, try again in 20s", 20),
            ("Error 429: rate limited, retry after 30 seconds", 30),
            ("HTTP/1.1 429 Too Many Requests\nRetry-After: 120", 120),
            ("RESOURCE_EXHAUSTED: Quota exceeded for quota metric 'Requests'. Please retry in 23.5s.", 23.5),
            ("usage limit reached, try again in 2 hours 5 minutes", 7_500),
            ("rate_limit_error: Number of requests has exceeded your rate limit; retry in 1m30s", 90),
            ("{\"code\":429,\"details\":[{\"retryDelay\":\"17s\"}],\"status\":\"RESOURCE_EXHAUSTED\"}", 17),
        ])
    func relativeReset(text: String, seconds: Double) throws {
        let limit = try #require(RateLimitClassifier.classify(text, now: Self.now))
        #expect(limit.resetAt == Self.now.addingTimeInterval(seconds))
        #expect(!limit.message.contains("\n"))
    }

    @Test("absolute reset times: unix epoch, ISO 8601, wall clock with zone")
    func absoluteReset() throws {
        #expect(
            ResetTimeParser.resetDate(in: "Claude AI usage limit reached|1767193200", now: Self.now)
                == Date(timeIntervalSince1970: 1_767_193_200))
        #expect(
            ResetTimeParser.resetDate(in: "rate limit exceeded; resets at 2026-11-23T12:30:00Z", now: Self.now)
                == Self.utc("2026-11-23T12:30:00Z"))
        #expect(
            ResetTimeParser.resetDate(in: "{\"resets_at\": \"2026-11-24T08:00:00.500+02:00\"}", now: Self.now)
                == Self.utc("2026-11-24T06:00:00Z")?.addingTimeInterval(0.5))
        #expect(
            ResetTimeParser.resetDate(in: "quota exhausted, resets at 2026-11-23 18:45+01:00", now: Self.now)
                == Self.utc("2026-11-23T17:45:00Z"))
        #expect(
            ResetTimeParser.resetDate(in: "You've hit your limit · resets 3pm (Europe/Berlin)", now: Self.now)
                == Self.utc("2026-11-23T14:00:00Z"))
        let evening = Self.now.addingTimeInterval(5 * 3_600)  // 16:00 in Berlin: 3pm has passed
        #expect(
            ResetTimeParser.resetDate(in: "5-hour limit reached ∙ resets 3pm (Europe/Berlin)", now: evening)
                == Self.utc("2026-11-24T14:00:00Z"))
        #expect(
            ResetTimeParser.resetDate(in: "Weekly limit reached · resets Nov 25, 9:30am (UTC)", now: Self.now)
                == Self.utc("2026-11-25T09:30:00Z"))
    }

    @Test("codex's 'try again at <date> <time>' reads month, day, year and time")
    func codexAbsoluteReset() throws {
        let reset = try #require(
            ResetTimeParser.resetDate(in: "or try again at Sep 17th, 2027 2:13 PM.", now: Self.now))
        let parts = Calendar(identifier: .gregorian).dateComponents(
            in: .current, from: reset)
        #expect(parts.year == 2027 && parts.month == 9 && parts.day == 17 && parts.hour == 14 && parts.minute == 13)
    }

    @Test("a limit without a readable time has no reset date")
    func limitWithoutTime() throws {
        let limit = try #require(RateLimitClassifier.classify("429 Too Many Requests", now: Self.now))
        #expect(limit.resetAt == nil)
        #expect(ResetTimeParser.resetDate(in: "limit resets 3", now: Self.now) == nil)
        #expect(ResetTimeParser.resetDate(in: "resets 25pm", now: Self.now) == nil)
    }

    @Test(
        "ordinary text is not a limit",
        arguments: [
            "Implemented a token-bucket rate limiter in Sources/RateLimiter.swift",
            "limit the number of results to 429",
            "Processed 429 files",
            "Error: file not found",
            "Retrying the build",
            "The quota field is optional",
        ])
    func notALimit(text: String) {
        #expect(RateLimitClassifier.classify(text, now: Self.now) == nil)
    }

    @Test(
        "authentication, unknown model and unknown flag errors are permanent",
        arguments: [
            "Invalid API key · Please run /login",
            "litellm.AuthenticationError: AnthropicException - {\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}",
            "unexpected status 401 Unauthorized: Missing bearer authentication in header",
            "Error: Not logged in. Run `codex login` first.",
            "API key not valid. Please pass a valid API key.",
            "The model `gpt-9-turbo` does not exist or you do not have access to it.",
            "Error: model \"qwen9:70b\" not found, try pulling it first",
            "ProviderModelNotFoundError: Model not found: openai/gpt-9",
            "error: unexpected argument '--foo' found",
            "error: unknown option '--output-format=xml'",
            "aider: error: unrecognized arguments: --bogus",
            "Unknown arguments: yolo-mode",
            "Error: unknown flag: --sandboxx",
        ])
    func permanent(text: String) {
        #expect(PermanentErrorClassifier.isPermanent(text))
    }

    @Test(
        "a tool's 'file not found' and similar failures are not permanent (loop-kit defect D15)",
        arguments: [
            "Error: file not found: src/model.py",
            "cat: model.py: No such file or directory",
            "ModuleNotFoundError: No module named 'requests'",
            "bash: line 1: swiftlint: command not found",
            "fatal: not a git repository (or any of the parent directories): .git",
            "Permission denied (publickey).",
            "429 Too Many Requests",
            "error: 2 tests failed",
        ])
    func notPermanent(text: String) {
        #expect(!PermanentErrorClassifier.isPermanent(text))
    }
}
