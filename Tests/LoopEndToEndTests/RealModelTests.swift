import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// `loop run` with the built-in worker and reviewer against a real model server: llama.cpp's
/// server with SmolLM2-135M through the OpenAI-compatible API, and the same through an
/// Ollama-API shim. Set up by `scripts/test` (CI) from `LOOP_TEST_OPENAI_BASE_URL`,
/// `LOOP_TEST_OLLAMA_HOST` and `LOOP_TEST_MODEL`. Outside CI, when they are unset, each test
/// is a real skip (`.enabled(if:)`), counted as skipped, never as passed; in CI (`CI=true`)
/// they always run, and a missing server fails them.
///
/// A 135M model cannot be expected to solve the task. These tests assert what it cannot
/// fake: the loop loops — every round it starts reaches verify and the run ends approved or
/// exhausted, never as a failed round because the model is weak — every report on the bus is
/// schema-valid, the usage ledger holds the server's real token counts, any change is
/// committed, the sandbox held.
@Suite(.serialized, .timeLimit(.minutes(15)))
struct RealModelTests {
    static let environment = ProcessInfo.processInfo.environment
    static let model = environment["LOOP_TEST_MODEL"] ?? ""
    static let isCI = environment["CI"] == "true"

    @Test(
        "the built-in worker and reviewer run a task through the OpenAI-compatible API of a real server",
        .enabled(
            if: shouldRun("LOOP_TEST_OPENAI_BASE_URL"),
            "LOOP_TEST_OPENAI_BASE_URL / LOOP_TEST_MODEL not set; run scripts/test, which starts a local model server"))
    func openAI() async throws {
        let base = try Self.server("LOOP_TEST_OPENAI_BASE_URL")
        try await runTask(provider: "openai", environment: ["OPENAI_BASE_URL": base])
    }

    @Test(
        "the same through the Ollama API",
        .enabled(
            if: shouldRun("LOOP_TEST_OLLAMA_HOST"),
            "LOOP_TEST_OLLAMA_HOST / LOOP_TEST_MODEL not set; run scripts/test, which starts a local model server"))
    func ollama() async throws {
        let host = try Self.server("LOOP_TEST_OLLAMA_HOST")
        try await runTask(provider: "ollama", environment: ["OLLAMA_HOST": host])
    }

    /// The server and model are configured.
    static func isConfigured(_ name: String) -> Bool { !(environment[name] ?? "").isEmpty && !model.isEmpty }

    /// Run when configured, and always in CI, where a missing server must fail.
    static func shouldRun(_ name: String) -> Bool { isConfigured(name) || isCI }

    /// The configured server; in CI without one, a failure naming what is missing.
    static func server(_ name: String) throws -> String {
        guard isConfigured(name), let value = environment[name] else {
            throw SetupFailure("\(name) and LOOP_TEST_MODEL must be set in CI (scripts/test starts the server)")
        }
        return value
    }

    private func runTask(provider: String, environment: [String: String]) async throws {
        let repo = try await TestRepo.make()
        try repo.write("greet.sh", "#!/usr/bin/env bash\necho \"Hello, world!\"\n")
        try repo.write("test.sh", "#!/usr/bin/env bash\n[ \"$(bash greet.sh Ada)\" = \"Hello, Ada!\" ]\n")
        try await repo.git("add", "-A")
        try await repo.git("commit", "-q", "-m", "greet")
        try repo.write(".loop/task_card.json", """
            {"task_id": "T-1", "goal": "greet.sh prints `Hello, <name>!` for the name given as its first argument.",
             "in_scope": ["greet.sh"], "out_of_scope": ["test.sh"],
             "acceptance_criteria": ["`bash greet.sh Ada` prints `Hello, Ada!`"], "constraints": ["bash only"],
             "verify": ["bash test.sh"]}
            """)
        var config = try repo.read(".loop/config.yaml")
        config += "\n  \(provider):\n    model: \(Self.model)\n"
        config += "    args: [\"--max-steps\", \"4\", \"--reply-tokens\", \"160\", \"--context\", \"4096\"]\n"
        try repo.write(".loop/config.yaml", config)
        let outside = repo.path + "/../canary-\(UUID().uuidString)"
        try "untouched\n".write(toFile: outside, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        let headBefore = try await repo.git("rev-parse", "HEAD")

        let result = try await runLoop(
            [
                "run", "--auto-dispatch", "--worker-backend", provider, "--reviewer-backend", provider,
                "--max-rounds", "2", "--max-stalled-rounds", "0", "--dispatch-retries", "0", "--dispatch-timeout", "600",
                "--idle-timeout", "300",
            ], in: repo.path, environment: environment, limit: .seconds(840))

        // Approved or exhausted — a weak model never fails the round — and every round it
        // started reached verify.
        let bus = Bus(repo)
        let state = try bus.state
        let phase = try #require(state["phase"] as? String)
        #expect(["done", "exhausted"].contains(phase), "\(phase): \(state["reason"] ?? "") \(result.output)")
        #expect([0, 2].contains(result.exitCode), "\(result.output)")
        let rounds = try bus.rounds
        #expect(rounds.count == (phase == "done" ? rounds.count : 2), "both rounds ran: \(result.output)")
        for round in rounds {
            #expect(round["verify_passed"] is Bool, "round \(round["round"] ?? "?") reached verify")
            #expect(round["verify"] is [[String: Any]], "round \(round["round"] ?? "?") has its evidence")
        }
        #expect(bus.tornFiles().isEmpty)

        // Every report on the bus and in the archive is schema-valid (or was refused as such).
        let archive = bus.files(under: "archive").filter { $0.hasSuffix(".json") && !$0.contains("/stale/") }
            .map { bus.path("archive/" + $0) }
        for file in archive where file.hasSuffix("_work_report.json") {
            _ = try WorkReport(reader: FieldReader(data: try Data(contentsOf: URL(fileURLWithPath: file)), path: file))
        }
        for file in archive where file.hasSuffix("_review_report.json") {
            _ = try ReviewReport(reader: FieldReader(data: try Data(contentsOf: URL(fileURLWithPath: file)), path: file))
        }

        // The ledger holds the server's own token counts for the agent's calls.
        let ledger = try bus.text("usage.jsonl").split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let calls = ledger.filter { $0["source"] as? String == "agent" && $0["backend"] as? String == provider }
        #expect(!calls.isEmpty, "no model call recorded: \(result.output)")
        for call in calls {
            #expect((call["prompt_tokens"] as? Int ?? 0) > 0, "\(call)")
            #expect(call["model"] as? String == Self.model)
        }
        #expect(calls.contains { ($0["completion_tokens"] as? Int ?? 0) > 0 })

        // Any change the worker made is committed on the task branch; the checkout is untouched.
        let worktree = repo.path + "/.loop/worktrees/T-1"
        let leftover = try await repo.git(["status", "--porcelain"], in: worktree)
        #expect(leftover.isEmpty, "uncommitted in the worktree: \(leftover)")
        for round in try bus.rounds where !((round["files_changed"] as? [String]) ?? []).isEmpty {
            #expect(round["head_sha"] as? String != headBefore)
        }
        #expect(try await repo.git("rev-parse", "HEAD") == headBefore)
        #expect(try await repo.git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude).loop").isEmpty)

        // The sandbox held: nothing outside the worktree was written.
        #expect(try String(contentsOfFile: outside, encoding: .utf8) == "untouched\n")
    }
}
