import Foundation
import Testing

@testable import LoopCore

/// Lane planning and the lane values an agent receives, as pure values.
struct LanePlanTests {
    func lane(_ id: String, _ dependsOn: [String] = []) -> CardLane {
        CardLane(laneID: id, ownerPaths: ["\(id).txt"], dependsOn: dependsOn)
    }

    @Test("lanes are planned into stages by depends_on, ids sorted inside a stage")
    func stages() {
        let plan = LanePlan.make([lane("z"), lane("c", ["a", "b"]), lane("b"), lane("a"), lane("d", ["c"])])
        guard case .planned(let planned) = plan else {
            Issue.record("no plan: \(plan)")
            return
        }
        #expect(planned.stages.map { $0.map(\.laneID) } == [["a", "b", "z"], ["c"], ["d"]])
        #expect(planned.orderedLanes.map(\.laneID) == ["a", "b", "z", "c", "d"])
    }

    @Test("a dependency cycle names the lanes in it")
    func cycle() {
        #expect(
            LanePlan.make([lane("a", ["c"]), lane("b", ["a"]), lane("c", ["b"]), lane("free")])
                == .cycle(["a", "b", "c"]))
    }

    @Test("owner paths: one spelling, nothing that leaves the repository, folders own what is below them")
    func ownerPaths() {
        #expect(TaskCard.normalizedOwnerPath("./src/") == "src")
        #expect(TaskCard.normalizedOwnerPath("src/./a.c") == "src/a.c")
        for bad in ["", "/etc", "../x", "a/../../x", "C:/x", "a\\..\\b", "\\\\server\\x", "."] {
            #expect(TaskCard.normalizedOwnerPath(bad) == nil, "\(bad)")
        }
        let owner = CardLane(laneID: "a", ownerPaths: ["src", "README.md"])
        #expect(owner.owns("src/x/y.c") && owner.owns("README.md") && owner.owns("src"))
        #expect(!owner.owns("srcx/y.c") && !owner.owns("README.md.bak"))
    }

    @Test("a lane dispatch gives the agent {lane_id}, LOOP_LANE_ID and LOOP_OWNER_PATHS, one per line")
    func laneValues() {
        var request = DispatchRequest(
            role: .worker, backend: "b", model: nil, prompt: "p", promptFile: "/p", workdir: "/w/lane",
            reportPath: "/bus/work_reports/lane_a.json", busDir: "/bus", taskID: "T", round: 1, runID: "r",
            logPath: "/l", timeout: 0, idleTimeout: 0)
        #expect(request.environment["LOOP_LANE_ID"] == nil && request.placeholders["lane_id"] == "")
        request.laneID = "lane_a"
        request.ownerPaths = ["src", "docs/a.md"]
        #expect(request.placeholders["lane_id"] == "lane_a")
        #expect(request.environment["LOOP_LANE_ID"] == "lane_a")
        #expect(request.environment["LOOP_OWNER_PATHS"] == "src\ndocs/a.md")
        #expect(request.environment["LOOP_WORKDIR"] == "/w/lane")
        #expect(request.placeholders["report_path"] == "/bus/work_reports/lane_a.json")
    }

    @Test("a card's lanes and settings are read with loop-kit's defaults")
    func cardDefaults() throws {
        let card = try TaskCard(
            reader: FieldReader(
                object: [
                    "task_id": .string("T"),
                    "lanes": .array([
                        .object(["lane_id": .string("a"), "owner_paths": .array([.string("src/")])]),
                        .object([
                            "lane_id": .string("b"), "owner_paths": .array([.string("doc")]),
                            "depends_on": .array([.string("a")]), "backend_preference": .string("codex"),
                        ]),
                    ]),
                ], path: "card.json"))
        let lanes = try #require(card.cardLanes)
        #expect(lanes.conflictPolicy == .failFast && lanes.preserveWorktreesOnFailure && !lanes.reviewParallel)
        #expect(lanes.lanes.map(\.ownerPaths) == [["src"], ["doc"]])
        #expect(lanes.lanes[1].backendPreference == "codex" && lanes.lanes[1].dependsOn == ["a"])
        let none = try TaskCard(reader: FieldReader(object: ["task_id": .string("T"), "lanes": .array([])], path: "c"))
        #expect(none.cardLanes == nil)
    }
}
