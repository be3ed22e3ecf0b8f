import Foundation
import LoopCore
import Testing

/// The two report types are written and read through one type each: what they write is what
/// the hand-built writers wrote, and what they read and write back keeps unknown fields.
@Suite struct ReportCodingTests {
    /// The bytes `JSONEncoder.bus` gives for a value, as text for readable failures.
    private func bus(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder.bus.encode(value), as: UTF8.self)
    }

    @Test("the PM's stand-in work report encodes as the old hand-built writer's did")
    func madeByPMMatchesOldWriter() throws {
        let report = WorkReport(
            taskID: "T", round: 2, runID: "d-1", headSHA: "abc", filesChanged: ["a.swift", "b.swift"],
            notes: "did it", tests: [], madeByPM: true, backend: "aider")
        let old: JSONValue = .object([
            "task_id": .string("T"), "round": .number(2), "run_id": .string("d-1"), "head_sha": .string("abc"),
            "files_changed": .array([.string("a.swift"), .string("b.swift")]), "notes": .string("did it"),
            "tests": .array([]), "made_by_pm": .bool(true), "backend": .string("aider"),
        ])
        #expect(try bus(report) == bus(old))
    }

    @Test("the built-in worker's report encodes as the old hand-built writer's did")
    func agentWorkMatchesOldWriter() throws {
        let report = WorkReport(
            taskID: "T", round: 1, runID: "d-2", headSHA: "", filesChanged: ["x"], notes: "n",
            tests: [ClaimedTest(name: "swift test", result: "fail")], status: "stopped",
            stoppedReason: "step_budget", stuckOn: "the parser",
            agent: AgentStamp(model: "qwen", steps: 12, tokens: 3400, finished: false))
        let old: JSONValue = .object([
            "task_id": .string("T"), "round": .number(1), "run_id": .string("d-2"), "head_sha": .string(""),
            "files_changed": .array([.string("x")]),
            "tests": .array([.object(["name": .string("swift test"), "result": .string("fail")])]),
            "notes": .string("n"),
            "agent": .object([
                "model": .string("qwen"), "steps": .number(12), "tokens": .number(3400), "finished": .bool(false),
            ]),
            "status": .string("stopped"), "stopped_reason": .string("step_budget"), "stuck_on": .string("the parser"),
        ])
        #expect(try bus(report) == bus(old))
    }

    @Test("the built-in reviewer's report encodes as the old hand-built writer's did")
    func agentReviewMatchesOldWriter() throws {
        let report = ReviewReport(
            taskID: "T", round: 3, runID: "d-3", decision: .changesRequired,
            blockingIssues: [
                BlockingIssue(severity: "high", file: "a", reason: "broken", requiredChange: "fix it"),
                BlockingIssue(severity: "low", file: "", reason: "style"),
            ],
            nonBlockingSuggestions: ["rename"], summary: "no", stoppedReason: "invalid_review",
            agent: AgentStamp(model: "qwen"))
        let old: JSONValue = .object([
            "task_id": .string("T"), "round": .number(3), "run_id": .string("d-3"),
            "decision": .string("changes_required"),
            "blocking_issues": .array([
                .object([
                    "severity": .string("high"), "file": .string("a"), "reason": .string("broken"),
                    "required_change": .string("fix it"),
                ]),
                .object(["severity": .string("low"), "file": .string(""), "reason": .string("style")]),
            ]),
            "non_blocking_suggestions": .array([.string("rename")]), "summary": .string("no"),
            "agent": .object(["model": .string("qwen")]), "stopped_reason": .string("invalid_review"),
        ])
        #expect(try bus(report) == bus(old))
    }

    @Test("a work report read and written back keeps the fields loop does not know")
    func workReportKeepsUnknownFields() throws {
        let text = """
            {"task_id": "T", "round": 1, "run_id": "r", "head_sha": "abc", "files_changed": ["a"],
             "tests": [{"name": "unit", "result": "pass"}], "notes": "n", "confidence": 0.8,
             "extra": {"x": [1, "two", null]}, "agent": "someone else's", "backend": 7}
            """
        var report = try JSONDecoder().decode(WorkReport.self, from: Data(text.utf8))
        #expect(report.agent == nil && report.backend == nil, "malformed informational fields are not taken in")
        report.notes = "changed"
        let written = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder.bus.encode(report))
        #expect(written["confidence"] == .number(0.8))
        #expect(written["extra"] == .object(["x": .array([.number(1), .string("two"), .null])]))
        #expect(written["agent"] == .string("someone else's") && written["backend"] == .number(7))
        #expect(written["notes"] == .string("changed"))
        #expect(try JSONDecoder().decode(WorkReport.self, from: JSONEncoder.bus.encode(report)) == report)
    }

    @Test("a review report read and written back keeps the fields loop does not know")
    func reviewReportKeepsUnknownFields() throws {
        let text = """
            {"task_id": "T", "round": 2, "run_id": "r", "decision": "approve", "blocking_issues": [],
             "summary": "ok", "stopped_reason": 3, "reviewer_notes": {"depth": "full"},
             "agent": {"model": "m", "temperature": 0.2}}
            """
        let report = try JSONDecoder().decode(ReviewReport.self, from: Data(text.utf8))
        #expect(report.decision == .approve && report.stoppedReason == nil && report.agent == nil)
        let written = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder.bus.encode(report))
        #expect(written["reviewer_notes"] == .object(["depth": .string("full")]))
        #expect(written["stopped_reason"] == .number(3))
        #expect(written["agent"] == .object(["model": .string("m"), "temperature": .number(0.2)]))
        #expect(report.raw["reviewer_notes"] != nil)
    }

    @Test("what the built-in agent writes reads back as the same report")
    func agentReportsReadBack() throws {
        let work = WorkReport(
            taskID: "T", round: 1, runID: "d", headSHA: "h", filesChanged: [], notes: "", tests: [],
            status: "done", agent: AgentStamp(model: "m", steps: 1, tokens: 2, finished: true))
        let readWork = try WorkReport(reader: FieldReader(data: JSONEncoder.bus.encode(work), path: "w"))
        #expect(readWork == work)
        let review = ReviewReport(
            taskID: "T", round: 1, runID: "d", decision: .approve, blockingIssues: [], nonBlockingSuggestions: [],
            summary: "fine", agent: AgentStamp(model: "m"))
        let readReview = try ReviewReport(reader: FieldReader(data: JSONEncoder.bus.encode(review), path: "r"))
        #expect(readReview == review)
    }

    @Test("decoding a bad report fails with FieldReader's message, naming the field")
    func decodingKeepsFieldMessages() throws {
        let text = #"{"task_id": "T", "round": "one", "run_id": "r"}"#
        let viaReader = #expect(throws: LoopError.self) {
            try WorkReport(reader: FieldReader(data: Data(text.utf8), path: BusPaths.workReport))
        }
        let viaDecoder = #expect(throws: LoopError.self) {
            try JSONDecoder().decode(WorkReport.self, from: Data(text.utf8))
        }
        #expect(viaReader?.localizedDescription == viaDecoder?.localizedDescription)
        #expect(viaReader?.localizedDescription.contains("round") == true)
    }
}
