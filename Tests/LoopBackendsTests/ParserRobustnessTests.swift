import Foundation
import LoopCore
import Testing

@testable import LoopBackends

/// Parsers must survive whatever a process prints and keep reading afterwards.
@Suite struct ParserRobustnessTests {
    static let garbage: [String] = [
        "", "   ", "{", "}", "{\"type\":", "[1,2,3]", "null", "42", "\"just a string\"",
        "\u{0}\u{1}\u{2}binary\u{FFFD}", "{\"type\": 5}", "{\"type\": null, \"part\": []}",
        "{\"type\":\"turn.completed\",\"usage\":\"lots\"}",
        "{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":-5,\"output_tokens\":1e300,\"cached_input_tokens\":\"x\"}}",
        "{\"type\":\"item.completed\",\"item\":{\"type\":\"agent_message\",\"text\":7}}",
        "{\"type\":\"result\",\"usage\":[],\"result\":{}}",
        "{\"type\":\"step_finish\",\"part\":{\"tokens\":{\"cache\":\"none\"},\"cost\":\"free\"}}",
        "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[1]}",
        "{\"response\":null,\"stats\":{\"models\":{\"m\":{\"tokens\":\"many\"}}}}",
        "Tokens: lots sent, some received. Cost: $free session.",
        String(repeating: "{", count: 2 * 1024 * 1024),
        "{\"type\":\"item.completed\",\"item\":{\"type\":\"reasoning\",\"text\":\""
            + String(repeating: "x", count: 2 * 1024 * 1024) + "\"}}",
        String(repeating: "ü🙂", count: 300_000),
    ]

    @Test("garbage, half objects and megabyte lines are ignored without a crash", arguments: ParserKind.allCases)
    func garbageIsIgnored(kind: ParserKind) {
        var parser = kind.makeParser()
        for line in Self.garbage {
            parser.consume(line, from: .stdout)
            parser.consume(line, from: .stderr)
        }
        parser.finish()
        #expect(parser.output.errorMessage == nil)
        #expect(parser.output.rateLimit == nil)
        #expect(!parser.output.isPermanentError)
        #expect(parser.output.sessionID == nil)
    }

    @Test(
        "a parser still reads its format after garbage",
        arguments: [
            (ParserKind.codex, "{\"type\":\"thread.started\",\"thread_id\":\"t-1\"}"),
            (ParserKind.claude, "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"t-1\"}"),
            (ParserKind.opencode, "{\"type\":\"step_start\",\"sessionID\":\"t-1\",\"part\":{}}"),
            (ParserKind.gemini, "{\"type\":\"init\",\"session_id\":\"t-1\",\"model\":\"m\"}"),
        ])
    func recoversAfterGarbage(kind: ParserKind, line: String) {
        var parser = kind.makeParser()
        for junk in Self.garbage { parser.consume(junk, from: .stdout) }
        parser.consume(line, from: .stdout)
        #expect(parser.output.sessionID == "t-1")
    }

    @Test("huge token counts and negative numbers count as zero, never trap")
    func hostileNumbers() {
        var parser = CodexParser()
        parser.consume(
            "{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":1e300,\"output_tokens\":-3,\"cached_input_tokens\":12}}",
            from: .stdout)
        #expect(parser.output.usage == TokenUsage(inputTokens: 0, outputTokens: 0, cachedInputTokens: 12))
    }

    @Test("gemini: an object never closed is dropped when the next one starts")
    func geminiUnclosedObject() {
        var parser = GeminiParser()
        parser.consume("{", from: .stdout)
        parser.consume("  \"response\": \"half", from: .stdout)
        parser.consume("{\"type\":\"init\",\"session_id\":\"s-2\"}", from: .stdout)
        #expect(parser.output.sessionID == "s-2")
        #expect(parser.output.finalMessage == nil)
    }

    @Test("an agent's prose about rate limits and missing files is not an error")
    func proseIsNotAnError() {
        var codex = CodexParser()
        codex.consume(
            "{\"type\":\"item.completed\",\"item\":{\"type\":\"agent_message\",\"text\":\"Rate limit exceeded errors now return 429 Too Many Requests; invalid api key is handled.\"}}",
            from: .stdout)
        codex.consume(
            "{\"type\":\"item.completed\",\"item\":{\"type\":\"command_execution\",\"aggregated_output\":\"error: unknown option --x\\nfile not found\",\"exit_code\":1}}",
            from: .stdout)
        #expect(codex.output.rateLimit == nil)
        #expect(!codex.output.isPermanentError)
        #expect(codex.output.errorMessage == nil)
    }

    @Test("a turn that completes after a transient error clears the error")
    func laterSuccessClearsError() {
        var codex = CodexParser()
        codex.consume(
            "{\"type\":\"error\",\"message\":\"stream error: 429 Too Many Requests; retrying\"}", from: .stdout)
        #expect(codex.output.rateLimit != nil)
        codex.consume("{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}", from: .stdout)
        #expect(codex.output.rateLimit == nil)
        #expect(codex.output.errorMessage == nil)
    }
}
