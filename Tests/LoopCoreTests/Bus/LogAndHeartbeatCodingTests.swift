import Foundation
import LoopCore
import Testing

/// `usage.jsonl`, `events.jsonl` and heartbeat files: one type each, encoding as the
/// hand-built writers did.
@Suite struct LogAndHeartbeatCodingTests {
    private func line(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder.line.encode(value), as: UTF8.self)
    }

    private func bus(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder.bus.encode(value), as: UTF8.self)
    }

    @Test("the PM's usage line for a CLI dispatch encodes as the old writer's did")
    func cliUsageMatchesOldWriter() throws {
        let entry = UsageEntry(
            ts: "2026-12-04T08:00:00.000Z", taskID: "T", runID: "run", dispatchID: "d", round: 2, role: "worker",
            backend: "claude", model: "opus", promptTokens: 100, cachedPromptTokens: 40, completionTokens: 7,
            costUSD: 0.0125, wallS: UsageEntry.seconds(12.34567), source: "cli")
        let old: JSONValue = .object([
            "ts": .string("2026-12-04T08:00:00.000Z"), "task_id": .string("T"), "run_id": .string("run"),
            "round": .number(2), "role": .string("worker"), "backend": .string("claude"), "dispatch_id": .string("d"),
            "wall_s": .number((12.34567 * 1000).rounded() / 1000), "source": .string("cli"), "model": .string("opus"),
            "prompt_tokens": .number(100), "cached_prompt_tokens": .number(40), "completion_tokens": .number(7),
            "cost_usd": .number(0.0125),
        ])
        #expect(try line(entry) == line(old))
    }

    @Test("the built-in agent's usage line encodes as the old writer's did, whole seconds included")
    func agentUsageMatchesOldWriter() throws {
        let entry = UsageEntry(
            ts: "t", taskID: "T", runID: "run", dispatchID: "d", round: 1, role: "reviewer", backend: "ollama",
            model: "qwen", step: 3, promptTokens: 10, completionTokens: 5, wallS: 2, ttftS: 0.25, source: "agent")
        let old: JSONValue = .object([
            "ts": .string("t"), "task_id": .string("T"), "run_id": .string("run"), "dispatch_id": .string("d"),
            "round": .number(1), "role": .string("reviewer"), "backend": .string("ollama"), "model": .string("qwen"),
            "step": .number(3), "prompt_tokens": .number(10), "completion_tokens": .number(5), "wall_s": .number(2),
            "source": .string("agent"), "ttft_s": .number(0.25),
        ])
        #expect(try line(entry) == line(old))
    }

    @Test("a usage line with fields of the wrong type reads what it can")
    func usageReadsLeniently() throws {
        let entry = try JSONDecoder().decode(
            UsageEntry.self, from: Data(#"{"round": "two", "prompt_tokens": 12.0, "wall_s": 1.5, "model": 3}"#.utf8))
        #expect(entry.round == nil && entry.promptTokens == 12 && entry.wallS == 1.5 && entry.model == nil)
    }

    @Test("an event line encodes as the old writer's did; its fields never replace the common keys")
    func eventMatchesOldWriter() throws {
        let event = Event(
            ts: "t", event: "round_finished", taskID: "T", runID: "run", round: 2,
            fields: ["next_round": .number(3), "event": .string("spoof")])
        let old: JSONValue = .object([
            "next_round": .number(3), "ts": .string("t"), "event": .string("round_finished"), "task_id": .string("T"),
            "run_id": .string("run"), "round": .number(2),
        ])
        #expect(try line(event) == line(old))
        let read = try JSONDecoder().decode(Event.self, from: JSONEncoder.line.encode(event))
        #expect(read.fields == ["next_round": .number(3)] && read.round == 2 && read.event == "round_finished")
        // Without a round of its own, an event keeps a `round` field as given, as before.
        let unnumbered = Event(ts: "t", event: "e", taskID: "T", runID: "run", fields: ["round": .string("x")])
        #expect(try JSONDecoder().decode(JSONValue.self, from: JSONEncoder.line.encode(unnumbered))["round"] == .string("x"))
    }

    @Test("the EventLog appends typed lines")
    func eventLogAppends() throws {
        let dir = try TempDir()
        let log = EventLog(path: "\(dir.path)/events.jsonl", taskID: "T", runID: "run")
        log.record("run_started")
        log.record("stale_report", round: 1, ["role": .string("worker")])
        let lines = try String(contentsOfFile: log.path, encoding: .utf8).split(separator: "\n")
        let events = try lines.map { try JSONDecoder().decode(Event.self, from: Data($0.utf8)) }
        #expect(events.map(\.event) == ["run_started", "stale_report"])
        #expect(events[0].round == nil && events[1].round == 1 && events[1].fields["role"] == .string("worker"))
    }

    @Test("both heartbeats encode as their old writers did, and read back unchanged")
    func heartbeatsMatchOldWriters() throws {
        let pm = Heartbeat(
            role: "worker", pid: 41, runID: "d", updatedAt: "u", tracksOutput: true, lastOutputAt: nil, source: "pm")
        let oldPM: JSONValue = .object([
            "role": .string("worker"), "pid": .number(41), "run_id": .string("d"), "updated_at": .string("u"),
            "last_output_at": .null, "source": .string("pm"),
        ])
        #expect(try bus(pm) == bus(oldPM))
        let manual = Heartbeat(role: "reviewer", pid: 7, updatedAt: "u", cwd: "/w", source: "manual")
        let oldManual: JSONValue = .object([
            "role": .string("reviewer"), "pid": .number(7), "updated_at": .string("u"), "cwd": .string("/w"),
            "source": .string("manual"),
        ])
        #expect(try bus(manual) == bus(oldManual))
        for beat in [pm, manual] {
            #expect(try JSONDecoder().decode(Heartbeat.self, from: JSONEncoder.bus.encode(beat)) == beat)
        }
    }
}
