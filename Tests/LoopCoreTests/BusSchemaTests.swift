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
            (#"{"task_id": "T", "goal": 3}"#, "field 'goal' must be a string (got a number)"),
            (#"{"task_id": ["T"], "goal": "x"}"#, "field 'task_id' must be a string (got an array)"),
            (
                #"{"task_id": "T", "goal": "x", "verify": ["ok", 2]}"#,
                "field 'verify[1]' must be a string (got a number)"
            ),
            (#"{"task_id": "a/b", "goal": "x"}"#, "field 'task_id' must not contain '..', '/' or '\\'"),
            (#"{"task_id": "a..b", "goal": "x"}"#, "field 'task_id' must not contain"),
            (#"{"task_id": "T", "lanes": [{"lane_id": "-a", "owner_paths": ["src"]}]}"#, "field 'lanes[0].lane_id' must match"),
            (#"{"task_id": "T", "lanes": [{"lane_id": "a", "owner_paths": []}]}"#, "field 'lanes[0].owner_paths' must list at least one path"),
            (#"{"task_id": "T", "lanes": [{"lane_id": "a", "owner_paths": ["../x"]}]}"#, "field 'lanes[0].owner_paths[0]' must be a relative path"),
            (#"{"task_id": "T", "lanes": [{"lane_id": "a", "owner_paths": ["/etc"]}]}"#, "field 'lanes[0].owner_paths[0]' must be a relative path"),
            (#"{"task_id": "T", "lanes": [{"lane_id": "a", "owner_paths": ["src\\..\\x"]}]}"#, "field 'lanes[0].owner_paths[0]' must be a relative path"),
            (#"{"task_id": "T", "lanes": [{"lane_id": "a", "owner_paths": ["src", "./src/"]}]}"#, "field 'lanes[0].owner_paths[1]' is listed twice"),
            (#"{"task_id": "T", "lanes": [{"lane_id": "a", "owner_paths": ["src"]}, {"lane_id": "a", "owner_paths": ["doc"]}]}"#, "field 'lanes[1].lane_id' must be unique"),
            (#"{"task_id": "T", "lanes": [{"lane_id": "a", "owner_paths": ["src"]}, {"lane_id": "b", "owner_paths": ["src/x.c"]}]}"#, "field 'lanes[1].owner_paths[0]' \"src/x.c\" overlaps lane a's"),
            (#"{"task_id": "T", "lanes": [{"lane_id": "a", "owner_paths": ["src"], "depends_on": ["a"]}]}"#, "field 'lanes[0].depends_on' must not name the lane itself"),
            (#"{"task_id": "T", "lanes": [{"lane_id": "a", "owner_paths": ["src"], "depends_on": ["zz"]}]}"#, "field 'lanes[0].depends_on' names an unknown lane \"zz\""),
            (#"{"task_id": "T", "lanes": [{"lane_id": "a", "owner_paths": ["s"], "depends_on": ["b"]}, {"lane_id": "b", "owner_paths": ["t"], "depends_on": ["a"]}]}"#, "field 'lanes' depends_on has a cycle among a, b"),
            (#"{"task_id": "T", "lanes": [{"lane_id": "a", "owner_paths": ["s"], "backend_preference": ""}]}"#, "field 'lanes[0].backend_preference' must be a non-empty backend name"),
            (#"{"task_id": "T", "lanes": [{"lane_id": "a", "owner_paths": ["s"], "acceptance_checks": [1]}]}"#, "field 'lanes[0].acceptance_checks[0]' must be a string"),
            (#"{"task_id": "T", "lane_merge_conflict_policy": "merge_anyway"}"#, "field 'lane_merge_conflict_policy' must be one of fail_fast, skip_lane, defer_lane"),
            (#"{"task_id": "T", "lane_review_parallel": "yes"}"#, "field 'lane_review_parallel' must be true or false"),
            (#"{"task_id": "T", "lane_preserve_worktrees_on_failure": 1}"#, "field 'lane_preserve_worktrees_on_failure' must be true or false"),
            (#"{"task_id": "T", "depends_on": ["T"]}"#, "field 'depends_on' must not name the card's own task_id"),
            (#"{"task_id": "T", "dependencies": ["../T-0"]}"#, "field 'dependencies' must list task ids"),
            (#"{"task_id": "T", "depends_on": {"T-0": true}}"#, "field 'depends_on' must be a list of task ids"),
            (#"{"task_id": "T", "depends_on": ["T-0", ""]}"#, "field 'depends_on' must list task ids: non-empty text"),
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

    @Test("every problem of a card is reported at once, one line each")
    func allCardProblemsAtOnce() throws {
        let dir = try TempDir()
        let path = try dir.write(
            "task_card.json", #"{"task_id": "a/b", "goal": 3, "verify": ["ok", 2], "max_rounds": 0, "lanes": [{"lane_id": "x"}]}"#)
        let error = #expect(throws: LoopError.self) { try TaskCard.load(from: path) }
        let text = error?.errorDescription ?? ""
        #expect(text.hasPrefix("\(path) has 5 problems:\n"), "\(text)")
        for field in ["lanes[0].owner_paths", "task_id", "goal", "verify[1]", "max_rounds"] {
            #expect(text.contains("  - field '\(field)' "), "\(field): \(text)")
        }
        #expect(text.hasSuffix("Fix the file and run again."))
        #expect(error?.exitCode == .configError)
    }

    @Test("loop-kit's defaults: no task_id is UNKNOWN, a number is its text, no goal is empty, empty lanes are fine")
    func loopKitDefaults() throws {
        let dir = try TempDir()
        let bare = try TaskCard.load(from: try dir.write("a.json", #"{"in_scope": ["x"]}"#))
        #expect(bare.taskID == "UNKNOWN" && bare.goal.isEmpty && bare.acceptanceCriteria.isEmpty)
        let number = try TaskCard.load(from: try dir.write("b.json", #"{"task_id": 42, "goal": "g"}"#))
        #expect(number.taskID == "42")
        let empty = try TaskCard.load(
            from: try dir.write("c.json", #"{"task_id": "T", "lanes": [], "depends_on": [], "dependencies": null}"#))
        #expect(empty.taskID == "T")
        #expect(empty.dependencies.isEmpty)
    }

    @Test("depends_on and dependencies are both read and merged in card order, a single id as a one-item list")
    func taskDependencies() throws {
        let dir = try TempDir()
        let card = try TaskCard.load(
            from: try dir.write("d.json", #"{"task_id": "T-3", "depends_on": ["T-1", "T-2"], "dependencies": ["T-2", "T-0"]}"#))
        #expect(card.dependencies == ["T-1", "T-2", "T-0"])
        let single = try TaskCard.load(from: try dir.write("e.json", #"{"task_id": "T-3", "dependencies": "T-1"}"#))
        #expect(single.dependencies == ["T-1"])
    }

    @Test(
        "every task id loop-kit accepts is accepted; one that cannot name a branch runs under a stable safe form",
        arguments: ["fix login bug", "JIRA:123", "tâche-1", ".hidden", "-dash", "a@{b}", "x~1^2", String(repeating: "a", count: 150)])
    func loopKitTaskIDs(id: String) throws {
        let dir = try TempDir()
        let json = String(decoding: try JSONEncoder().encode(["task_id": id, "goal": "g"]), as: UTF8.self)
        let card = try TaskCard.load(from: try dir.write("card.json", json))
        #expect(card.cardTaskID == id)
        #expect(TaskCard.isValidTaskID(card.taskID), "\(card.taskID)")
        #expect(card.taskID == TaskCard.safeTaskID(id), "stable across loads")
        #expect(TaskCard.safeTaskID(id) != TaskCard.safeTaskID(id + " "), "different ids stay different")
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
