import Foundation

/// `fix_list.json`: what the next round's worker must fix — the reviewer's blocking issues
/// and the failed verify commands. Written by the PM only.
package struct FixList: Codable, BusDocument, Sendable, Equatable {
    package var schemaVersion: Int
    package var taskID: String
    package var runID: String
    /// The round that must address these fixes.
    package var round: Int
    package var baseSHA: String
    package var headSHA: String
    package var fixes: [BlockingIssue]
    package var priorRoundNotes: String
    package var priorReviewNonBlocking: [String]
    /// One line on the change so far (files and line counts), so the next worker knows where it stands.
    package var changeSummary: String?
    package var createdAt: String

    enum CodingKeys: String, CodingKey {
        case round, fixes
        case schemaVersion = "schema_version"
        case taskID = "task_id"
        case runID = "run_id"
        case baseSHA = "base_sha"
        case headSHA = "head_sha"
        case priorRoundNotes = "prior_round_notes"
        case priorReviewNonBlocking = "prior_review_non_blocking"
        case createdAt = "created_at"
        case changeSummary = "change_summary"
    }

    package init(
        taskID: String, runID: String, round: Int, baseSHA: String, headSHA: String, fixes: [BlockingIssue],
        priorRoundNotes: String, priorReviewNonBlocking: [String], changeSummary: String? = nil
    ) {
        self.changeSummary = changeSummary
        schemaVersion = 1
        self.taskID = taskID
        self.runID = runID
        self.round = round
        self.baseSHA = baseSHA
        self.headSHA = headSHA
        self.fixes = fixes
        self.priorRoundNotes = priorRoundNotes
        self.priorReviewNonBlocking = priorReviewNonBlocking
        createdAt = Timestamp.now()
    }

    /// Loads a fix list written by the PM; nil when absent or unreadable.
    package static func load(_ path: String) -> FixList? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(FixList.self, from: data)
    }
}
