import Foundation
package import LoopCore

/// One round of a task (`GET /api/tasks/{id}/rounds/{n}`): the worker's and reviewer's reports,
/// the fix list the round had to fix, the PM's verify results, the review request (without its
/// diff: that is `…/diff`), and the state's record of the round.
///
/// A round's files live on the bus while it runs and in the archive
/// (`archive/<task>/<run>/r<N>_<name>`) once it ended, when the bus copies are cleared: each
/// file is taken from the archive when it is there, else from the bus when the bus copy is
/// this round's.
package struct RoundDetail: Codable, Sendable {
    package var taskID: String
    package var runID: String
    package var round: Int
    /// `live` while the round is the run's current one and not ended, else `archive`.
    package var source: String
    package var record: RoundRecord?
    package var workReport: JSONValue?
    package var reviewReport: JSONValue?
    package var reviewRequest: JSONValue?
    package var fixList: JSONValue?
    package var verify: JSONValue?
    package var needsHelp: JSONValue?

    enum CodingKeys: String, CodingKey {
        case round, source, record, verify
        case taskID = "task_id"
        case runID = "run_id"
        case workReport = "work_report"
        case reviewReport = "review_report"
        case reviewRequest = "review_request"
        case fixList = "fix_list"
        case needsHelp = "needs_help"
    }

    /// The round of the task's current run; nil when the run never reached it.
    package init?(_ location: TaskLocation, round: Int) {
        guard let state = location.state, round <= state.round else { return nil }
        let paths = location.paths
        let isCurrent = round == state.round
        func archived(_ name: String) -> JSONValue? {
            BoundedFile.json(paths.archiveFile(task: state.taskID, run: state.runID, round: round, name: name))
        }
        /// The bus copy, only when it is this round's (reports and the fix list carry their round).
        func live(_ path: String) -> JSONValue? {
            guard isCurrent, let value = BoundedFile.json(path) else { return nil }
            if let fileRound = value["round"]?.intValue, fileRound != round { return nil }
            return value
        }
        taskID = state.taskID
        runID = state.runID
        self.round = round
        record = state.rounds.last { $0.round == round }
        workReport = archived("work_report.json") ?? live(paths.workReport)
        reviewReport = archived("review_report.json") ?? live(paths.reviewReport)
        reviewRequest = (archived("review_request.json") ?? live(paths.reviewRequest)).map(Self.withoutDiff)
        fixList = archived("fix_list.json") ?? live(paths.fixList)
        verify = archived("verify.json") ?? live(paths.verifyResults)
        needsHelp = archived("needs_help.json")
        source = isCurrent && record?.finishedAt == nil ? "live" : "archive"
    }

    /// The review request without `diff` (up to 200 KiB; `…/diff` serves it bounded).
    private static func withoutDiff(_ value: JSONValue) -> JSONValue {
        guard case .object(var object) = value else { return value }
        object["diff"] = nil
        return .object(object)
    }
}
