import Foundation

/// One lane of a card: a worker that owns some paths and may wait for other lanes.
package struct CardLane: Sendable, Equatable {
    /// `^[A-Za-z0-9][A-Za-z0-9_-]*$`, unique in the card: it names a branch, a folder and bus files.
    package var laneID: String
    /// Relative paths (files or folders) this lane may change; no two lanes overlap.
    package var ownerPaths: [String]
    /// Lanes that must be merged before this one starts.
    package var dependsOn: [String]
    /// The backend this lane's worker prefers (nil: the run's worker backend).
    package var backendPreference: String?
    /// Checks rendered into the lane's prompt (never executed, as in loop-kit).
    package var acceptanceChecks: [String]

    package init(
        laneID: String, ownerPaths: [String], dependsOn: [String] = [], backendPreference: String? = nil,
        acceptanceChecks: [String] = []
    ) {
        self.laneID = laneID
        self.ownerPaths = ownerPaths
        self.dependsOn = dependsOn
        self.backendPreference = backendPreference
        self.acceptanceChecks = acceptanceChecks
    }

    /// Whether `path` (relative to the workdir) is inside one of this lane's owner paths.
    package func owns(_ path: String) -> Bool {
        ownerPaths.contains { CardLane.covers($0, path) }
    }

    /// Whether owner path `owner` covers `path`: the same path, or `owner` is a folder above it.
    static func covers(_ owner: String, _ path: String) -> Bool {
        owner == path || path.hasPrefix(owner + "/")
    }
}

/// What to do when a lane's branch does not merge cleanly into the task branch.
package enum LaneConflictPolicy: String, Sendable, Equatable, CaseIterable {
    /// End the round as failed, naming the conflicting files; every branch is kept.
    case failFast = "fail_fast"
    /// Drop the lane's change for this round; the fix list says so.
    case skipLane = "skip_lane"
    /// Retry the lane's merge after the other lanes of its stage.
    case deferLane = "defer_lane"
}

/// A card's lanes and its `lane_*` settings (loop-kit's schema, unchanged).
package struct CardLanes: Sendable, Equatable {
    package var lanes: [CardLane]
    /// `lane_review_parallel`: each lane is also reviewed on its own.
    package var reviewParallel: Bool
    package var conflictPolicy: LaneConflictPolicy
    /// `lane_preserve_worktrees_on_failure` (default true): keep lane worktrees when something failed.
    package var preserveWorktreesOnFailure: Bool

    package init(
        lanes: [CardLane], reviewParallel: Bool = false, conflictPolicy: LaneConflictPolicy = .failFast,
        preserveWorktreesOnFailure: Bool = true
    ) {
        self.lanes = lanes
        self.reviewParallel = reviewParallel
        self.conflictPolicy = conflictPolicy
        self.preserveWorktreesOnFailure = preserveWorktreesOnFailure
    }
}

extension TaskCard {
    /// The card's lanes, or nil when it has none. The card was validated when it was read,
    /// so reading again cannot fail; a card made in memory without `raw` has no lanes.
    package var cardLanes: CardLanes? {
        let read = TaskCard.readLanes(FieldReader(object: raw, path: "task card"))
        return read.problems.isEmpty ? read.lanes : nil
    }

    /// Every problem with `lanes` and the `lane_*` settings, each naming its field.
    static func laneProblems(_ reader: FieldReader) -> [LoopError] {
        readLanes(reader).problems
    }

    /// loop-kit's lane id pattern `^[A-Za-z0-9][A-Za-z0-9_-]*$`.
    package static func isValidLaneID(_ id: String) -> Bool {
        guard let first = id.first, first.isASCII, first.isLetter || first.isNumber else { return false }
        return id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    /// Reads lanes and settings, collecting every problem instead of stopping at the first.
    static func readLanes(_ reader: FieldReader) -> (lanes: CardLanes?, problems: [LoopError]) {
        var problems: [LoopError] = []
        func problem(_ field: String, _ expected: String) {
            problems.append(LoopError.invalidField(path: reader.path, field: field, expected: expected))
        }
        func attempt<T>(_ body: () throws -> T) -> T? {
            do { return try body() } catch let error as LoopError {
                problems.append(error)
            } catch {
                problems.append(.invalidJSON(path: reader.path, detail: "\(error)"))
            }
            return nil
        }
        let reviewParallel = attempt { try reader.optionalBool("lane_review_parallel") } ?? nil
        let preserve = attempt { try reader.optionalBool("lane_preserve_worktrees_on_failure") } ?? nil
        var policy = LaneConflictPolicy.failFast
        if let value = reader.object["lane_merge_conflict_policy"], value != .null {
            if let text = value.stringValue, let known = LaneConflictPolicy(rawValue: text) {
                policy = known
            } else {
                let names = LaneConflictPolicy.allCases.map(\.rawValue).joined(separator: ", ")
                problem(
                    "lane_merge_conflict_policy",
                    "must be one of \(names) (got \(value.stringValue.map { "\"\($0)\"" } ?? value.typeName))")
            }
        }
        guard let value = reader.object["lanes"], !TaskCard.isEmpty(value) else { return (nil, problems) }
        guard let items = attempt({ try reader.objectList("lanes") }) else { return (nil, problems) }

        var lanes: [CardLane] = []
        var owners: [(lane: String, path: String)] = []
        for (index, item) in items.enumerated() {
            let field = "lanes[\(index)]"
            let lane = reader.nested(item, at: field)
            guard let id = attempt({ try lane.requiredString("lane_id") }) else { continue }
            if !isValidLaneID(id) {
                problem("\(field).lane_id", "must match ^[A-Za-z0-9][A-Za-z0-9_-]*$ (got \"\(id)\")")
                continue
            }
            if lanes.contains(where: { $0.laneID == id }) {
                problem("\(field).lane_id", "must be unique; \"\(id)\" is used twice")
                continue
            }
            var paths: [String] = []
            if let given = attempt({ try lane.stringList("owner_paths", required: true) }) {
                if given.isEmpty { problem("\(field).owner_paths", "must list at least one path") }
                for (pathIndex, path) in given.enumerated() {
                    let pathField = "\(field).owner_paths[\(pathIndex)]"
                    guard let normal = normalizedOwnerPath(path) else {
                        problem(
                            pathField,
                            "must be a relative path inside the repository, without '..', a leading '/', '\\' or a drive letter (got \"\(path)\")"
                        )
                        continue
                    }
                    if paths.contains(normal) {
                        problem(pathField, "is listed twice (\"\(normal)\")")
                        continue
                    }
                    if let other = owners.first(where: {
                        CardLane.covers($0.path, normal) || CardLane.covers(normal, $0.path)
                    }) {
                        problem(
                            pathField,
                            "\"\(normal)\" overlaps lane \(other.lane)'s owner path \"\(other.path)\"; lanes must own separate paths"
                        )
                        continue
                    }
                    paths.append(normal)
                }
            }
            owners += paths.map { (id, $0) }
            let dependsOn = attempt { try lane.stringList("depends_on") } ?? []
            var backend: String?
            if let preference = item["backend_preference"], preference != .null {
                if let text = preference.stringValue, !text.trimmingCharacters(in: .whitespaces).isEmpty {
                    backend = text
                } else {
                    problem(
                        "\(field).backend_preference", "must be a non-empty backend name (got \(preference.typeName))")
                }
            }
            let checks = attempt { try lane.stringList("acceptance_checks") } ?? []
            lanes.append(
                CardLane(
                    laneID: id, ownerPaths: paths, dependsOn: dependsOn, backendPreference: backend,
                    acceptanceChecks: checks))
        }
        let ids = Set(lanes.map(\.laneID))
        for (index, lane) in lanes.enumerated() {
            for dependency in lane.dependsOn {
                if dependency == lane.laneID {
                    problem("lanes[\(index)].depends_on", "must not name the lane itself (\"\(dependency)\")")
                } else if !ids.contains(dependency) {
                    problem(
                        "lanes[\(index)].depends_on",
                        "names an unknown lane \"\(dependency)\" (lanes: \(ids.sorted().joined(separator: ", ")))")
                }
            }
        }
        if problems.isEmpty, case .cycle(let members) = LanePlan.make(lanes) {
            problem("lanes", "depends_on has a cycle among \(members.joined(separator: ", ")); lanes must be ordered")
        }
        let settings = CardLanes(
            lanes: lanes, reviewParallel: reviewParallel ?? false, conflictPolicy: policy,
            preserveWorktreesOnFailure: preserve ?? true)
        return (problems.isEmpty ? settings : nil, problems)
    }

    /// An owner path in one spelling (no `./`, no trailing `/`), or nil when it could leave
    /// the repository: absolute, a drive letter, `..` (with `/` or `\`), or empty.
    static func normalizedOwnerPath(_ path: String) -> String? {
        let trimmed = path.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.hasPrefix("/"), !trimmed.hasPrefix("\\"), !trimmed.contains("\0") else {
            return nil
        }
        let scalars = Array(trimmed.unicodeScalars)
        if scalars.count >= 2, scalars[1] == ":", scalars[0].properties.isAlphabetic { return nil }
        let parts = trimmed.split(whereSeparator: { $0 == "/" || $0 == "\\" })
        guard !parts.contains("..") else { return nil }
        if trimmed.contains("\\") { return nil }
        let kept = parts.filter { $0 != "." }
        guard !kept.isEmpty else { return nil }
        return kept.joined(separator: "/")
    }
}
