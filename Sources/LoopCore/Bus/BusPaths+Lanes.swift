import Foundation

/// Where a card's lanes keep their files: loop-kit's `work_reports/<lane>.json` beside the
/// task's own bus files, and worktrees beside (never inside) the task worktree.
extension BusPaths {
    package var laneWorkReports: String { file("work_reports") }

    /// The report a lane's worker writes (loop-kit's name).
    package func laneWorkReport(_ lane: String) -> String { "\(laneWorkReports)/\(lane).json" }

    /// The role name of a lane's worker in logs, prompts and heartbeats: `worker-<lane>`.
    package static func laneRole(_ lane: String) -> String { "worker-\(lane)" }

    package func lanePrompt(_ lane: String) -> String { "\(scratch)/\(BusPaths.laneRole(lane))_prompt.txt" }

    package func laneHeartbeat(_ lane: String) -> String { heartbeat(BusPaths.laneRole(lane)) }

    package func laneLog(task: String, round: Int, lane: String) -> String {
        roundLog(task: task, round: round, role: BusPaths.laneRole(lane))
    }

    /// `worktrees/<task>.lanes/<run>-r<N>/<lane>`: the task worktree is `worktrees/<task>`, so
    /// lane worktrees cannot live inside it (they would show up in its `git status`); the run
    /// is in the name because the task worktree outlives a run, and a later run must never
    /// reuse or clobber the lane worktrees an earlier one kept for inspection.
    package func laneWorktree(task: String, runID: String, round: Int, lane: String) -> String {
        "\(worktrees)/\(task).lanes/\(BusPaths.shortRun(runID))-r\(round)/\(lane)"
    }

    /// `loop/<task>--<run>-r<N>--<lane>`: the task branch is `loop/<task>`, so no ref can live
    /// under `loop/<task>/` (git keeps refs as files and folders); the run, as for worktrees.
    package static func laneBranch(task: String, runID: String, round: Int, lane: String) -> String {
        "loop/\(task)--\(shortRun(runID))-r\(round)--\(lane)"
    }

    /// The random end of a run id (`run-20261204T120000-1a2b3c4d` → `1a2b3c4d`).
    package static func shortRun(_ runID: String) -> String {
        runID.split(separator: "-").last.map(String.init) ?? runID
    }

    // MARK: - Lane reviews (`lane_review_parallel`)

    package var laneReviewRequests: String { file("review_requests") }
    package var laneReviewReports: String { file("review_reports") }
    package func laneReviewRequest(_ lane: String) -> String { "\(laneReviewRequests)/\(lane).json" }
    package func laneReviewReport(_ lane: String) -> String { "\(laneReviewReports)/\(lane).json" }

    /// The role name of a lane's reviewer in logs, prompts and heartbeats: `reviewer-<lane>`.
    package static func laneReviewerRole(_ lane: String) -> String { "reviewer-\(lane)" }
    package func laneReviewPrompt(_ lane: String) -> String {
        "\(scratch)/\(BusPaths.laneReviewerRole(lane))_prompt.txt"
    }
    package func laneReviewHeartbeat(_ lane: String) -> String { heartbeat(BusPaths.laneReviewerRole(lane)) }
    package func laneReviewLog(task: String, round: Int, lane: String) -> String {
        roundLog(task: task, round: round, role: BusPaths.laneReviewerRole(lane))
    }
}
