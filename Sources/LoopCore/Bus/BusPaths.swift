public import Foundation

/// Where every file of the bus lives. One value per run, built from `--loop-dir`.
public struct BusPaths: Sendable, Equatable {
    public static let taskCard = "task_card.json"
    public static let fixList = "fix_list.json"
    public static let workReport = "work_report.json"
    public static let reviewRequest = "review_request.json"
    public static let reviewReport = "review_report.json"
    public static let state = "state.json"
    public static let outcome = "outcome.json"
    public static let events = "events.jsonl"
    public static let usage = "usage.jsonl"
    public static let lock = "lock"
    public static let config = "config.yaml"
    public static let needsHelp = "needs_help.json"
    /// The PM's verify results of a round, in the scratch folder (archived as `r<N>_verify.json`).
    public static let verifyResults = "verify.json"
    /// The verify results at the run's base, in the scratch folder (archived as `r1_baseline_verify.json`).
    public static let baselineVerify = "baseline_verify.json"

    /// Absolute path of the bus folder (`.loop` by default).
    public let root: String
    /// Absolute path of the repository the bus belongs to (the folder holding the bus).
    public let repository: String

    public init(loopDir: String, cwd: String = FileManager.default.currentDirectoryPath) {
        root = Filesystem.absolute(loopDir, base: cwd)
        repository = cwd
    }

    public func file(_ name: String) -> String { "\(root)/\(name)" }

    public var taskCard: String { file(BusPaths.taskCard) }
    public var fixList: String { file(BusPaths.fixList) }
    public var workReport: String { file(BusPaths.workReport) }
    public var reviewRequest: String { file(BusPaths.reviewRequest) }
    public var reviewReport: String { file(BusPaths.reviewReport) }
    public var state: String { file(BusPaths.state) }
    public var outcome: String { file(BusPaths.outcome) }
    public var events: String { file(BusPaths.events) }
    public var usage: String { file(BusPaths.usage) }
    public var lock: String { file(BusPaths.lock) }
    public var config: String { file(BusPaths.config) }
    public var needsHelp: String { file(BusPaths.needsHelp) }
    /// The PM's own verify results of the current round (archived as `r<N>_verify.json`).
    public var verifyResults: String { "\(scratch)/\(BusPaths.verifyResults)" }
    /// The verify results at the run's base, before round 1 (archived as `r1_baseline_verify.json`).
    public var baselineVerify: String { "\(scratch)/\(BusPaths.baselineVerify)" }
    public var templates: String { file("templates") }
    public var heartbeats: String { file("heartbeat") }
    public var archive: String { file("archive") }
    public var logs: String { file("logs") }
    public var worktrees: String { file("worktrees") }
    /// Prompt files and other per-dispatch scratch (ignored by git).
    public var scratch: String { file("run") }

    /// The prompt of a role's current dispatch (archived with the round).
    public func prompt(_ role: Role) -> String { "\(scratch)/\(role.rawValue)_prompt.txt" }

    /// The per-round bus files: written during a round, archived when it ends (`Archive.keepRound`),
    /// then cleared before the next round starts, and cleared by `--reset` and a new run.
    public var roundFiles: [String] { [workReport, reviewRequest, reviewReport, verifyResults, baselineVerify] }

    /// Everything a run leaves behind that the next run replaces: the round's files and the
    /// run's own (`fix_list.json`, `outcome.json`, `needs_help.json`). Never the task card,
    /// the state or the lock.
    public var runFiles: [String] { roundFiles + [fixList, outcome, needsHelp] }

    public func heartbeat(_ role: String) -> String { "\(heartbeats)/\(role).json" }
    public func worktree(task: String) -> String { "\(worktrees)/\(task)" }
    public func logDirectory(task: String) -> String { "\(logs)/\(task)" }
    public func roundLog(task: String, round: Int, role: String) -> String {
        "\(logDirectory(task: task))/r\(round)_\(role).log"
    }
    /// Archive folder of one run of one task: `archive/<task_id>/<run_id>/`.
    public func archiveDirectory(task: String, run: String) -> String { "\(archive)/\(task)/\(run)" }
    public func archiveFile(task: String, run: String, round: Int, name: String) -> String {
        "\(archiveDirectory(task: task, run: run))/r\(round)_\(name)"
    }

    /// `loop <arguments>` as a hint to print, with `--loop-dir` when this bus is not the
    /// repository's `.loop`, so the hint works as printed.
    public func command(_ arguments: String) -> String {
        guard root != repository + "/.loop" else { return "loop \(arguments)" }
        let shown = display(root)
        return "loop \(arguments) --loop-dir \(shown.contains(" ") ? "'\(shown)'" : shown)"
    }

    /// A path as shown to people: relative to the repository when inside it.
    public func display(_ path: String) -> String {
        if path.hasPrefix(repository + "/") { return String(path.dropFirst(repository.count + 1)) }
        return path
    }
}
