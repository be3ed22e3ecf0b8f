import ArgumentParser
import Foundation
import LoopCore

/// `loop archive list|restore`: every round of every run, kept under `.loop/archive/`.
struct ArchiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "List archived runs and rounds, or restore a round's bus files.",
        discussion: """
            Archives live in .loop/archive/<task_id>/<run_id>/r<N>_<file>.

            Examples:
              loop archive list
              loop archive restore my-task --round 2 --checkout
            """,
        subcommands: [List.self, Restore.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List archived runs and their rounds.")

        @OptionGroup var bus: LoopDirOption
        @Option(help: "Only this task.") var task: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let runs = try ArchiveIndex(paths: bus.paths).runs(task: task)
            if json {
                try CommandSupport.printJSON(runs)
                return
            }
            guard !runs.isEmpty else {
                print("No archived runs\(task.map { " for \($0)" } ?? "") in \(bus.paths.display(bus.paths.archive)).")
                return
            }
            for run in runs {
                let rounds =
                    run.rounds.isEmpty ? "no rounds" : "rounds \(run.rounds.map(String.init).joined(separator: ","))"
                print("\(run.taskID)  \(run.runID)  \(rounds)  \(run.result ?? "-")  (\(run.files) files)")
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a round's bus files back onto .loop/ (and with --checkout, its commit in the task worktree)."
        )

        @OptionGroup var bus: LoopDirOption
        @Argument(help: "The task id.") var task: String
        @Option(help: "The round to restore.") var round: Int
        @Option(name: .customLong("run"), help: "The run (default: the latest run of the task).") var runID: String?
        @Flag(help: "Also check out that round's commit (detached) in .loop/worktrees/<task>.") var checkout = false

        func run() async throws {
            // A batch task's run keeps its files in its run folder (`batch/<task>/`).
            let paths = TaskLocation.find(task, in: bus.paths)?.paths ?? bus.paths
            if FileLock.isHeld(at: paths.lock) {
                throw LoopError.locked(owner: FileLock.readOwner(at: paths.lock)?.summary ?? "a running PM")
            }
            let index = ArchiveIndex(paths: paths)
            let runs = try index.runs(task: task)
            guard let entry = runID.map({ id in runs.first { $0.runID == id } }) ?? runs.last else {
                throw LoopError.config(
                    "No archived run\(runID.map { " \($0)" } ?? "") for task \(task). See `loop archive list`.")
            }
            let restored = try index.restore(entry, round: round)
            for name in restored { print("restored r\(round)_\(name) -> \(paths.display(paths.file(name)))") }
            if restored.isEmpty {
                print("round \(round) of run \(entry.runID) holds no bus files to put back; nothing was changed")
            } else {
                print(
                    "put back \(restored.count) file\(restored.count == 1 ? "" : "s") of round \(round) of run \(entry.runID) "
                        + "(task \(task)) into \(paths.display(paths.root))")
            }
            guard checkout else { return }
            guard let sha = index.headSHA(entry, round: round) else {
                throw LoopError.config("The archive of round \(round) records no head commit.")
            }
            let worktree = paths.worktree(task: task)
            guard Filesystem.exists("\(worktree)/.git") else {
                throw LoopError.config("There is no task worktree at \(paths.display(worktree)).")
            }
            let git = Git(directory: worktree)
            guard try await git.changedPaths().isEmpty else {
                throw LoopError.config(
                    "The task worktree \(paths.display(worktree)) has uncommitted changes; commit or stash them first.")
            }
            try await git.output(["checkout", "--quiet", "--detach", sha])
            print("checked out round \(round)'s commit \(sha.prefix(12)) (detached) in \(paths.display(worktree))")
            print("back to the task branch: git -C \(paths.display(worktree)) switch loop/\(task)")
        }
    }
}
