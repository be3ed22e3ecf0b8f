import Foundation

/// `outcome.json`: how a run ended, for scripts and CI. Written by the PM at the end of a run.
package struct Outcome: Codable, BusDocument, Sendable, Equatable {
    package var schemaVersion: Int = 1
    package var taskID: String
    package var runID: String
    package var result: RunResult
    package var rounds: Int
    package var reason: String?
    package var branch: String
    package var headSHA: String?
    package var baseSHA: String
    package var durationS: Double
    /// The one git command that brings the approved change into the user's branch (nil in
    /// place, and for a run that was not approved).
    package var mergeCommand: String?
    /// The commit that was verified and reviewed and is approved: merge this sha, not the
    /// branch, so nothing added to the branch later comes in unreviewed.
    package var mergeSHA: String?
    /// True when the run stopped for lack of progress and `needs_help.json` asks a question.
    package var needsHelp: Bool?
    package var workdir: String
    package var exitCode: Int32
    package var finishedAt: String

    enum CodingKeys: String, CodingKey {
        case result, rounds, reason, branch, workdir
        case schemaVersion = "schema_version"
        case taskID = "task_id"
        case runID = "run_id"
        case headSHA = "head_sha"
        case baseSHA = "base_sha"
        case durationS = "duration_s"
        case mergeCommand = "merge_command"
        case mergeSHA = "merge_sha"
        case needsHelp = "needs_help"
        case exitCode = "exit_code"
        case finishedAt = "finished_at"
    }

    /// The outcome of a run as `state` describes it.
    /// - Parameter exitCode: the code the process exits with, when it is not the result's own
    ///   (an interrupted run exits 143 after SIGTERM, 130 after SIGINT).
    package init(state: RunState, result: RunResult, exitCode: LoopExitCode? = nil) {
        taskID = state.taskID
        runID = state.runID
        self.result = result
        rounds = state.round
        reason = result == .approved ? nil : state.reason
        branch = state.branch
        headSHA = state.headSHA
        baseSHA = state.baseSHA
        let start = Timestamp.parse(state.startedAt) ?? Date()
        durationS = (Date().timeIntervalSince(start) * 10).rounded() / 10
        mergeCommand = result == .approved ? Outcome.mergeCommand(for: state) : nil
        mergeSHA = mergeCommand == nil ? nil : state.headSHA
        needsHelp = state.needsHelp
        workdir = state.workdir
        self.exitCode = (exitCode ?? result.exitCode).rawValue
        finishedAt = Timestamp.now()
    }

    /// `git merge <approved sha>` for a worktree run that changed something; nil otherwise.
    /// It names the commit that was reviewed, never the branch, whose tip may move later.
    package static func mergeCommand(for state: RunState) -> String? {
        guard state.mode == "worktree", let head = state.headSHA, head != state.baseSHA else { return nil }
        return "git merge \(head)"
    }

    package static func load(_ path: String) -> Outcome? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(Outcome.self, from: data)
    }
}
