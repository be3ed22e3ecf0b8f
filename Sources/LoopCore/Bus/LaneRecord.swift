import Foundation

/// One lane of a round: where it works, how far it got, and what it merged.
package struct LaneRecord: Codable, Sendable, Equatable {
    package enum Status: String, Codable, Sendable {
        /// Planned; no worker dispatched yet.
        case pending
        /// Its worker was dispatched (see `dispatch`).
        case working
        /// Its worker's report is valid; the PM has not merged it yet.
        case reported
        /// Merged into the task branch (`mergedSHA`).
        case merged
        /// Its change was dropped this round (`skip_lane`, or a deferred lane that still conflicts).
        case skipped
        /// Its merge conflicted; it is retried after the other lanes of its stage (`defer_lane`).
        case deferred
        /// Its merge conflicted and the round failed (`fail_fast`).
        case conflict
    }

    package var laneID: String
    package var stage: Int
    package var status: Status
    package var branch: String
    package var worktree: String
    package var backend: String
    /// The task branch tip the lane's branch was made from.
    package var baseSHA: String?
    /// The lane branch's tip after the PM committed what the worker left.
    package var headSHA: String?
    /// The task branch's merge commit of this lane.
    package var mergedSHA: String?
    package var dispatch: DispatchRecord?
    package var filesChanged: [String]?
    /// Files the lane changed outside its owner paths (a blocking issue).
    package var outsideOwnerPaths: [String]?
    package var conflictFiles: [String]?
    /// `lane_review_parallel`: the lane reviewer's dispatch, decision and blocking issues.
    package var review: DispatchRecord?
    package var reviewDecision: String?
    package var reviewIssues: [BlockingIssue]?

    enum CodingKeys: String, CodingKey {
        case stage, status, branch, worktree, backend, dispatch, review
        case reviewDecision = "review_decision"
        case reviewIssues = "review_issues"
        case laneID = "lane_id"
        case baseSHA = "base_sha"
        case headSHA = "head_sha"
        case mergedSHA = "merged_sha"
        case filesChanged = "files_changed"
        case outsideOwnerPaths = "outside_owner_paths"
        case conflictFiles = "conflict_files"
    }

    package init(laneID: String, stage: Int, branch: String, worktree: String, backend: String) {
        self.laneID = laneID
        self.stage = stage
        status = .pending
        self.branch = branch
        self.worktree = worktree
        self.backend = backend
    }
}
