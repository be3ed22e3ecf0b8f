import Foundation

/// `review_request.json`: the facts the PM gives the reviewer — computed from git and from its
/// own verification run, with the worker's claims beside them.
public struct ReviewRequest: Codable, BusDocument, Sendable, Equatable {
    public var schemaVersion: Int = 1
    public var taskID: String
    public var round: Int
    /// The reviewer dispatch's run id; the review report must echo it.
    public var runID: String
    public var goal: String
    public var acceptanceCriteria: [String]
    public var constraints: [String]
    public var branch: String
    public var workdir: String
    /// The task's base commit and the round's head: the diff is base..head.
    public var baseSHA: String
    public var roundBaseSHA: String
    public var headSHA: String
    public var commits: String
    public var filesChanged: [String]
    public var roundFilesChanged: [String]
    public var diff: String
    public var diffTruncated: Bool
    /// Full diff on disk when it was too large to inline.
    public var diffPath: String?
    public var verification: [VerifyResult]
    public var verificationPassed: Bool
    public var fixList: [BlockingIssue]
    public var workerNotes: String
    public var workerTests: [ClaimedTest]
    public var workerReportMadeByPM: Bool
    public var uncommittedSecrets: [String]
    public var requestedAt: String

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
    }
}
