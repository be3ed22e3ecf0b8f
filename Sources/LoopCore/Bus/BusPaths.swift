import Foundation

/// Where every file of the bus lives. One value per run, built from `--loop-dir`.
///
/// A run of a batch keeps its own files (state, reports, fix list, outcome, heartbeats,
/// scratch, lock) in its run folder `.loop/batch/<task_id>/`; what every run shares (config,
/// templates, task cards, archive, logs, worktrees, events and usage, all keyed by task id)
/// stays in the bus folder. A single `loop run` has no run folder: both are the bus folder.
package struct BusPaths: Sendable, Equatable {
    package static let taskCard = "task_card.json"
    package static let fixList = "fix_list.json"
    package static let workReport = "work_report.json"
    package static let reviewRequest = "review_request.json"
    package static let reviewReport = "review_report.json"
    package static let state = "state.json"
    package static let outcome = "outcome.json"
    package static let events = "events.jsonl"
    package static let usage = "usage.jsonl"
    package static let lock = "lock"
    package static let config = "config.yaml"
    package static let needsHelp = "needs_help.json"
    /// The batch PM's record of a batch (`loop run --all`, several `--task`).
    package static let batch = "batch.json"
    /// The PM's verify results of a round, in the scratch folder (archived as `r<N>_verify.json`).
    package static let verifyResults = "verify.json"
    /// The verify results at the run's base, in the scratch folder (archived as `r1_baseline_verify.json`).
    package static let baselineVerify = "baseline_verify.json"

    /// Absolute path of this run's own files: the run folder of a batch task, else the bus folder.
    /// Agents get it as `LOOP_BUS_DIR` (their reports, the fix list and the state are here).
    package let root: String
    /// Absolute path of the bus folder (`.loop` by default), shared by every run of a batch.
    package let shared: String
    /// Absolute path of the repository the bus belongs to (the folder holding the bus).
    package let repository: String

    /// - Parameter runFolder: a batch task's run folder (absolute, or relative to `cwd`); nil
    ///   for a single run, whose files live in the bus folder itself.
    package init(loopDir: String, cwd: String = FileManager.default.currentDirectoryPath, runFolder: String? = nil) {
        shared = Filesystem.absolute(loopDir, base: cwd)
        root = runFolder.map { Filesystem.absolute($0, base: cwd) } ?? shared
        repository = cwd
    }

    /// The paths of one batch task's run: its own files in `batch/<task_id>/`, the rest shared.
    package func batchRun(task: String) -> BusPaths {
        BusPaths(loopDir: shared, cwd: repository, runFolder: batchRunFolder(task: task))
    }

    /// Whether this is a batch task's run (its own files live in a run folder).
    package var isBatchRun: Bool { root != shared }

    package func file(_ name: String) -> String { "\(root)/\(name)" }
    /// A file every run of the bus shares.
    package func sharedFile(_ name: String) -> String { "\(shared)/\(name)" }

    package var taskCard: String { file(BusPaths.taskCard) }
    package var fixList: String { file(BusPaths.fixList) }
    package var workReport: String { file(BusPaths.workReport) }
    package var reviewRequest: String { file(BusPaths.reviewRequest) }
    package var reviewReport: String { file(BusPaths.reviewReport) }
    package var state: String { file(BusPaths.state) }
    package var outcome: String { file(BusPaths.outcome) }
    package var events: String { sharedFile(BusPaths.events) }
    package var usage: String { sharedFile(BusPaths.usage) }
    package var lock: String { file(BusPaths.lock) }
    package var config: String { sharedFile(BusPaths.config) }
    package var needsHelp: String { file(BusPaths.needsHelp) }
    /// The PM's own verify results of the current round (archived as `r<N>_verify.json`).
    package var verifyResults: String { "\(scratch)/\(BusPaths.verifyResults)" }
    /// The verify results at the run's base, before round 1 (archived as `r1_baseline_verify.json`).
    package var baselineVerify: String { "\(scratch)/\(BusPaths.baselineVerify)" }
    package var templates: String { sharedFile("templates") }
    package var heartbeats: String { file("heartbeat") }
    package var archive: String { sharedFile("archive") }
    package var logs: String { sharedFile("logs") }
    package var worktrees: String { sharedFile("worktrees") }
    /// Task cards by id, loop-kit's `.loop/tasks/` (`loop run --all`, `depends_on`).
    package var tasks: String { sharedFile("tasks") }
    /// The batch PM's record of the last batch.
    package var batch: String { sharedFile(BusPaths.batch) }
    /// The folder holding every batch task's run folder.
    package var batchRuns: String { sharedFile("batch") }
    package func batchRunFolder(task: String) -> String { "\(batchRuns)/\(task)" }
    /// Prompt files and other per-dispatch scratch (ignored by git).
    package var scratch: String { file("run") }

    /// The prompt of a role's current dispatch (archived with the round).
    package func prompt(_ role: Role) -> String { "\(scratch)/\(role.rawValue)_prompt.txt" }

    /// The per-round bus files: written during a round, archived when it ends (`Archive.keepRound`),
    /// then cleared before the next round starts, and cleared by `--reset` and a new run.
    package var roundFiles: [String] { [workReport, reviewRequest, reviewReport, verifyResults, baselineVerify] }

    /// Everything a run leaves behind that the next run replaces: the round's files and the
    /// run's own (`fix_list.json`, `outcome.json`, `needs_help.json`). Never the task card,
    /// the state or the lock.
    package var runFiles: [String] { roundFiles + [fixList, outcome, needsHelp] }

    package func heartbeat(_ role: String) -> String { "\(heartbeats)/\(role).json" }
    package func worktree(task: String) -> String { "\(worktrees)/\(task)" }
    package func logDirectory(task: String) -> String { "\(logs)/\(task)" }
    package func roundLog(task: String, round: Int, role: String) -> String {
        "\(logDirectory(task: task))/r\(round)_\(role).log"
    }
    /// Archive folder of one run of one task: `archive/<task_id>/<run_id>/`.
    package func archiveDirectory(task: String, run: String) -> String { "\(archive)/\(task)/\(run)" }
    package func archiveFile(task: String, run: String, round: Int, name: String) -> String {
        "\(archiveDirectory(task: task, run: run))/r\(round)_\(name)"
    }

    /// `loop <arguments>` as a hint to print, with `--loop-dir` when this bus is not the
    /// repository's `.loop`, so the hint works as printed.
    package func command(_ arguments: String) -> String {
        guard shared != repository + "/.loop" else { return "loop \(arguments)" }
        let shown = display(shared)
        return "loop \(arguments) --loop-dir \(shown.contains(" ") ? "'\(shown)'" : shown)"
    }

    /// A path as shown to people: relative to the repository when inside it.
    package func display(_ path: String) -> String {
        if path.hasPrefix(repository + "/") { return String(path.dropFirst(repository.count + 1)) }
        return path
    }
}
