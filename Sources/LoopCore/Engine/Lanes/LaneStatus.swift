import Foundation

/// One lane of the latest round with lanes, as `loop status` shows it (and `status --json`
/// under `lanes`): read from `state.json` only, like the rest of the status.
package struct LaneStatus: Codable, Sendable, Equatable {
    package var laneID: String
    package var round: Int
    package var stage: Int
    package var status: String
    package var branch: String
    package var mergedSHA: String?
    package var reviewDecision: String?
    package var outsideOwnerPaths: [String]?
    package var conflictFiles: [String]?

    enum CodingKeys: String, CodingKey {
        case round, stage, status, branch
        case laneID = "lane_id"
        case mergedSHA = "merged_sha"
        case reviewDecision = "review_decision"
        case outsideOwnerPaths = "outside_owner_paths"
        case conflictFiles = "conflict_files"
    }

    /// The lanes of the latest round that has any; nil for a run without lanes.
    package static func read(_ state: RunState) -> [LaneStatus]? {
        guard let record = state.rounds.last(where: { $0.lanes != nil }), let lanes = record.lanes else { return nil }
        return lanes.map { lane in
            LaneStatus(
                laneID: lane.laneID, round: record.round, stage: lane.stage, status: lane.status.rawValue,
                branch: lane.branch, mergedSHA: lane.mergedSHA, reviewDecision: lane.reviewDecision,
                outsideOwnerPaths: lane.outsideOwnerPaths, conflictFiles: lane.conflictFiles)
        }
    }

    /// `lane:     lane_a r1 stage 1 merged 1a2b3c4d5e6f (review approve) · loop/T-1--r1--lane_a`
    package static func lines(_ lanes: [LaneStatus]?) -> [String] {
        (lanes ?? []).map { lane in
            var text = "lane:     \(lane.laneID) r\(lane.round) stage \(lane.stage + 1) \(lane.status)"
            if let sha = lane.mergedSHA { text += " \(sha.prefix(12))" }
            if let decision = lane.reviewDecision { text += " (review \(decision))" }
            if let outside = lane.outsideOwnerPaths, !outside.isEmpty {
                text += " — outside owner_paths: \(outside.joined(separator: ", "))"
            }
            if let files = lane.conflictFiles, !files.isEmpty {
                text += " — conflict in \(files.joined(separator: ", "))"
            }
            return text + " · \(lane.branch)"
        }
    }
}
