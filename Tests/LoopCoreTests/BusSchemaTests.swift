import Foundation
import LoopCore
import Testing

@Suite struct BusSchemaTests {
    @Test("loop-kit's documented task card loads unchanged")
    func loopKitCard() throws {
        let dir = try TempDir()
        let path = try dir.write(
            "card.json",
            """
            {"task_id": "T-1", "goal": "Add a flag", "in_scope": ["src/"], "out_of_scope": [],
             "acceptance_criteria": ["works"], "constraints": [], "status": "in_progress", "lanes": []}
            """)
        let card = try TaskCard.load(from: path)
        #expect(card.taskID == "T-1")
        #expect(card.verify.isEmpty)
        #expect(card.raw["status"] == .string("in_progress"), "unknown fields are kept")
    }

    @Test(
        "a task card error names the file, the field and what was expected",
        arguments: [
            (#"{"task_id": "T", "goal": 3}"#, "field 'goal' must be a non-empty string (got a number)"),
            (#"{"goal": "x"}"#, "field 'task_id' must be a non-empty string (it is missing)"),
            (
                #"{"task_id": "T", "goal": "x", "verify": ["ok", 2]}"#,
                "field 'verify[1]' must be a string (got a number)"
            ),
            (#"{"task_id": "a/b", "goal": "x"}"#, "field 'task_id' must use only letters"),
            (#"{"task_id": "T", "goal": "x", "max_rounds": 0}"#, "field 'max_rounds' must be at least 1"),
            (#"{"task_id": "T", "goal": "x""#, "is not valid: not valid JSON"),
            (#"[1, 2]"#, "expected a JSON object at the top level"),
        ])
    func cardErrors(json: String, message: String) throws {
        let dir = try TempDir()
        let path = try dir.write("task_card.json", json)
        let error = #expect(throws: LoopError.self) { try TaskCard.load(from: path) }
        let text = error?.errorDescription ?? ""
        #expect(text.contains(path), "\(text)")
        #expect(text.contains(message), "\(text)")
        #expect(error?.exitCode == .configError)
    }

    @Test("a missing task card says how to make one")
    func missingCard() throws {
        let error = #expect(throws: LoopError.self) { try TaskCard.load(from: "/nonexistent/task_card.json") }
        #expect(error?.errorDescription?.contains("--task") == true)
    }

    @Test("a review decision outside the two values is invalid, never an approval")
    func badDecision() throws {
        let dir = try TempDir()
        let path = try dir.write(
            "review_report.json", #"{"task_id": "T", "round": 1, "run_id": "r", "decision": "lgtm"}"#)
        guard
            case .invalid(let message) = ReportReader.checkReview(
                path, expecting: ReportIdentity(taskID: "T", round: 1, runID: "r"))
        else {
            Issue.record("expected invalid")
            return
        }
        #expect(message.contains("decision"))
    }

    @Test(
        "reports for another dispatch, round or task are stale",
        arguments: [
            (#"{"task_id": "T", "round": 1, "run_id": "old", "decision": "approve"}"#, "run_id"),
            (#"{"task_id": "T", "round": 2, "run_id": "r", "decision": "approve"}"#, "round 2"),
            (#"{"task_id": "X", "round": 1, "run_id": "r", "decision": "approve"}"#, "task_id"),
            (#"{"task_id": "T", "round": 1, "decision": "approve"}"#, "no run_id"),
        ])
    func staleReports(json: String, mentions: String) throws {
        let dir = try TempDir()
        let path = try dir.write("review_report.json", json)
        guard
            case .stale(let message) = ReportReader.checkReview(
                path, expecting: ReportIdentity(taskID: "T", round: 1, runID: "r"))
        else {
            Issue.record("expected stale for \(json)")
            return
        }
        #expect(message.contains(mentions), "\(message)")
    }

    @Test("a report that is a symlink is refused")
    func symlinkReport() throws {
        let dir = try TempDir()
        let target = try dir.write(
            "elsewhere.json", #"{"task_id": "T", "round": 1, "run_id": "r", "decision": "approve"}"#)
        let link = "\(dir.path)/review_report.json"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        guard
            case .invalid(let message) = ReportReader.checkReview(
                link, expecting: ReportIdentity(taskID: "T", round: 1, runID: "r"))
        else {
            Issue.record("a symlinked report must be refused")
            return
        }
        #expect(message.contains("symlink"))
    }

    @Test("a huge report is refused without reading it all")
    func hugeReport() throws {
        let dir = try TempDir()
        let path = "\(dir.path)/work_report.json"
        #expect(
            FileManager.default.createFile(
                atPath: path, contents: Data(repeating: UInt8(ascii: " "), count: 6 * 1024 * 1024)))
        guard case .invalid = ReportReader.checkWork(path, expecting: ReportIdentity(taskID: "T", round: 1, runID: "r"))
        else {
            Issue.record("expected invalid")
            return
        }
    }

    @Test("a valid work report keeps its unknown fields")
    func workReport() throws {
        let dir = try TempDir()
        let path = try dir.write(
            "work_report.json",
            """
            {"task_id": "T", "round": 1, "run_id": "r", "head_sha": "abc", "files_changed": ["a"],
             "tests": [{"name": "unit", "result": "pass"}], "notes": "n", "extra": {"x": 1}}
            """)
        guard
            case .valid(let report) = ReportReader.checkWork(
                path, expecting: ReportIdentity(taskID: "T", round: 1, runID: "r"))
        else {
            Issue.record("expected valid")
            return
        }
        #expect(report.tests.map(\.name) == ["unit"] && report.tests.map(\.result) == ["pass"])
        #expect(report.raw["extra"] != nil)
    }
}
