import Foundation
import LoopCore
import Testing

/// The checks a batch makes before anything starts, and how cards are found by id.
struct BatchPlanTests {
    /// A bus folder with cards in `tasks/`.
    static func bus(_ dir: TempDir, cards: [String: String]) throws -> BusPaths {
        for (name, text) in cards { _ = try dir.write(".loop/tasks/\(name)", text) }
        return BusPaths(loopDir: ".loop", cwd: dir.path)
    }

    static func card(_ id: String, dependsOn: [String] = [], scope: [String] = []) -> String {
        let depends = dependsOn.map { "\"\($0)\"" }.joined(separator: ", ")
        let inScope = scope.map { "\"\($0)\"" }.joined(separator: ", ")
        return #"{"task_id": "\#(id)", "depends_on": [\#(depends)], "in_scope": [\#(inScope)]}"#
    }

    @Test(
        "cards by id as loop-kit finds them: {id}_*, {id}-*, {id}.json whose task_id matches, then a scan; two is an error"
    )
    func locator() throws {
        let dir = try TempDir()
        let paths = try Self.bus(
            dir,
            cards: [
                "T.json": Self.card("T"), "T-1.json": Self.card("T-1"), "T-2_login.json": Self.card("T-2"),
                "other.json": Self.card("X"), "notes.json": "not json",
            ])
        let locator = TaskCardLocator(folder: paths.tasks)
        #expect(try locator.find("T")?.hasSuffix("/T.json") == true, "T-1.json is task T-1, not a card of T")
        #expect(try locator.find("T-2")?.hasSuffix("/T-2_login.json") == true)
        #expect(try locator.find("X")?.hasSuffix("/other.json") == true)
        #expect(try locator.find("Y") == nil)
        // A card named for the id wins over the scan; two named for it is an error.
        _ = try dir.write(".loop/tasks/X-copy.json", Self.card("X"))
        #expect(try locator.find("X")?.hasSuffix("/X-copy.json") == true)
        _ = try dir.write(".loop/tasks/X_other.json", Self.card("X"))
        let error = #expect(throws: LoopError.self) { try locator.find("X") }
        #expect(error?.errorDescription?.contains("More than one card") == true)
    }

    @Test("dependencies first, otherwise as given; a cycle is named in full")
    func order() throws {
        let dir = try TempDir()
        let paths = try Self.bus(
            dir,
            cards: ["a.json": Self.card("A", dependsOn: ["C"]), "b.json": Self.card("B"), "c.json": Self.card("C")])
        let plan = try BatchPlan(cardPaths: ["a", "b", "c"].map { "\(paths.tasks)/\($0).json" }, paths: paths)
        #expect(plan.tasks.map(\.taskID) == ["C", "A", "B"])
        #expect(plan.dependsOn("A", "C") && !plan.dependsOn("C", "A") && !plan.dependsOn("B", "C"))

        _ = try dir.write(".loop/tasks/c.json", Self.card("C", dependsOn: ["B"]))
        _ = try dir.write(".loop/tasks/b.json", Self.card("B", dependsOn: ["A"]))
        let error = #expect(throws: LoopError.self) {
            try BatchPlan(cardPaths: ["a", "b", "c"].map { "\(paths.tasks)/\($0).json" }, paths: paths)
        }
        #expect(error?.errorDescription?.contains("cycle (A → C → B → A)") == true, "\(String(describing: error))")
    }

    @Test("a dependency outside the batch: refused unless approved before; without any card: named as missing")
    func outsideDependencies() throws {
        let dir = try TempDir()
        let paths = try Self.bus(dir, cards: ["a.json": Self.card("A", dependsOn: ["B"]), "b.json": Self.card("B")])
        let notInBatch = #expect(throws: LoopError.self) {
            try BatchPlan(cardPaths: ["\(paths.tasks)/a.json"], paths: paths)
        }
        #expect(
            notInBatch?.errorDescription?.contains(
                "not in this batch and not approved yet; add --task .loop/tasks/b.json") == true)
        // loop-kit's own marker of a finished task counts as approved.
        _ = try dir.write(".loop/tasks/b.json", #"{"task_id": "B", "status": "done"}"#)
        let plan = try BatchPlan(cardPaths: ["\(paths.tasks)/a.json"], paths: paths)
        #expect(plan.tasks.first?.dependsOn == [] && plan.tasks.first?.approvedOutside.keys.sorted() == ["B"])

        _ = try dir.write(".loop/tasks/a.json", Self.card("A", dependsOn: ["Z"]))
        let missing = #expect(throws: LoopError.self) {
            try BatchPlan(cardPaths: ["\(paths.tasks)/a.json"], paths: paths)
        }
        #expect(missing?.errorDescription?.contains("has no card for it") == true)
    }

    @Test("overlapping in_scope is warned only for tasks that may run at the same time")
    func overlap() throws {
        let dir = try TempDir()
        let paths = try Self.bus(
            dir,
            cards: [
                "a.json": Self.card("A", scope: ["src/"]), "b.json": Self.card("B", scope: ["src/app.swift", "docs"]),
                "c.json": Self.card("C", dependsOn: ["A"], scope: ["src/**"]),
                "d.json": Self.card("D", scope: ["Refactor the docs folder", "tests/*.py"]),
                "e.json": Self.card("E", scope: ["tests/test_x.py"]),
            ])
        let plan = try BatchPlan(
            cardPaths: ["a", "b", "c", "d", "e"].map { "\(paths.tasks)/\($0).json" }, paths: paths)
        let warnings = plan.overlapWarnings
        #expect(
            warnings.contains { $0.hasPrefix("tasks A and B may run at the same time and both have src/ in scope") })
        #expect(warnings.contains { $0.hasPrefix("tasks B and C ") })
        #expect(warnings.contains { $0.hasPrefix("tasks D and E ") })
        #expect(!warnings.contains { $0.hasPrefix("tasks A and C") }, "C depends on A: never at the same time")
        #expect(warnings.count == 3, "\(warnings)")
    }
}
