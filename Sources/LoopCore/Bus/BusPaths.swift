import Foundation

/// Where every file of the bus lives. One value per run, built from `--loop-dir`.
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
    /// The PM's verify results of a round, in the scratch folder (archived as `r<N>_verify.json`).
    package static let verifyResults = "verify.json"
    /// The verify results at the run's base, in the scratch folder (archived as `r1_baseline_verify.json`).
    package static let baselineVerify = "baseline_verify.json"

    /// Absolute path of the bus folder (`.loop` by default).
    package let root: String
    /// Absolute path of the repository the bus belongs to (the folder holding the bus).
    package let repository: String

    package init(loopDir: String, cwd: String = FileManager.default.currentDirectoryPath) {
        root = Filesystem.absolute(loopDir, base: cwd)
        repository = cwd
    }

    package func file(_ name: String) -> String { "\(root)/\(name)" }

    package var taskCard: String { file(BusPaths.taskCard) }
    package var fixList: String { file(BusPaths.fixList) }
    package var workReport: String { file(BusPaths.workReport) }
    package var reviewRequest: String { file(BusPaths.reviewRequest) }
    package var reviewReport: String { file(BusPaths.reviewReport) }
    package var state: String { file(BusPaths.state) }
    package var outcome: String { file(BusPaths.outcome) }
    package var events: String { file(BusPaths.events) }
    package var usage: String { file(BusPaths.usage) }
    package var lock: String { file(BusPaths.lock) }
    package var config: String { file(BusPaths.config) }
    package var needsHelp: String { file(BusPaths.needsHelp) }
    /// The PM's own verify results of the current round (archived as `r<N>_verify.json`).
    package var verifyResults: String { "\(scratch)/\(BusPaths.verifyResults)" }
    /// The verify results at the run's base, before round 1 (archived as `r1_baseline_verify.json`).
    package var baselineVerify: String { "\(scratch)/\(BusPaths.baselineVerify)" }
    package var templates: String { file("templates") }
    package var heartbeats: String { file("heartbeat") }
    package var archive: String { file("archive") }
    package var logs: String { file("logs") }
    package var worktrees: String { file("worktrees") }
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
        guard root != repository + "/.loop" else { return "loop \(arguments)" }
        let shown = display(root)
        return "loop \(arguments) --loop-dir \(shown.contains(" ") ? "'\(shown)'" : shown)"
    }

    /// A path as shown to people: relative to the repository when inside it.
    package func display(_ path: String) -> String {
        if path.hasPrefix(repository + "/") { return String(path.dropFirst(repository.count + 1)) }
        return path
    }
}
