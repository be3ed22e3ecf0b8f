import Foundation

/// `review_request.json`: the facts the PM gives the reviewer — computed from git and from its
/// own verification run, with the worker's claims beside them.
package struct ReviewRequest: Codable, BusDocument, Sendable, Equatable {
    package var schemaVersion: Int = 1
    package var taskID: String
    package var round: Int
    /// The reviewer dispatch's run id; the review report must echo it.
    package var runID: String
    package var goal: String
    package var acceptanceCriteria: [String]
    package var constraints: [String]
    package var branch: String
    package var workdir: String
    /// The task's base commit and the round's head: the diff is base..head.
    package var baseSHA: String
    package var roundBaseSHA: String
    package var headSHA: String
    package var commits: String
    package var filesChanged: [String]
    package var roundFilesChanged: [String]
    package var diff: String
    package var diffTruncated: Bool
    /// Full diff on disk when it was too large to inline.
    package var diffPath: String?
    package var verification: [VerifyResult]
    package var verificationPassed: Bool
    package var fixList: [BlockingIssue]
    package var workerNotes: String
    package var workerTests: [ClaimedTest]
    package var workerReportMadeByPM: Bool
    package var uncommittedSecrets: [String]
    package var requestedAt: String
    /// A lane's own review (`lane_review_parallel`, `review_requests/<lane>.json`): the lane,
    /// what it owns and its checks; the diff is the lane branch's alone. Nil in the task's review.
    package var laneID: String? = nil
    package var laneOwnerPaths: [String]? = nil
    package var laneAcceptanceChecks: [String]? = nil

    enum CodingKeys: String, CodingKey {
        case round, goal, branch, workdir, commits, diff, verification
        case schemaVersion = "schema_version"
        case taskID = "task_id"
        case runID = "run_id"
        case acceptanceCriteria = "acceptance_criteria"
        case constraints
        case baseSHA = "base_sha"
        case roundBaseSHA = "round_base_sha"
        case headSHA = "head_sha"
        case filesChanged = "files_changed"
        case roundFilesChanged = "round_files_changed"
        case diffTruncated = "diff_truncated"
        case diffPath = "diff_path"
        case verificationPassed = "verification_passed"
        case fixList = "fix_list"
        case workerNotes = "worker_notes"
        case workerTests = "worker_tests"
        case workerReportMadeByPM = "worker_report_made_by_pm"
        case uncommittedSecrets = "uncommitted_secrets"
        case requestedAt = "requested_at"
        case laneID = "lane_id"
        case laneOwnerPaths = "lane_owner_paths"
        case laneAcceptanceChecks = "lane_acceptance_checks"
    }
}
