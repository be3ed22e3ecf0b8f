import ArgumentParser
import Foundation
import LoopCore

/// `loop tasks list|show`: the task cards in `.loop/tasks/` and what became of each.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "List the task cards in .loop/tasks/ with their results, batch status and branches.",
        discussion: """
            Reads the cards in .loop/tasks/, .loop/batch.json, the outcomes and the
            archive, and asks git whether branch loop/<task_id> exists. Never takes the lock.

            Examples:
              loop tasks list
              loop tasks show T-2 --json
            """,
        subcommands: [List.self, Show.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One line per task: result, rounds, dependencies, branch, card.")

        @OptionGroup var bus: LoopDirOption
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let tasks = await TaskOverview.all(bus.paths)
            if json {
                try CommandSupport.printJSON(tasks)
                return
            }
            guard !tasks.isEmpty else {
                print(
                    "No tasks: \(bus.paths.display(bus.paths.tasks)) has no cards and nothing has run. Put one card per file there (e.g. T-1.json)."
                )
                return
            }
            for task in tasks { print(task.row) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One task: card, dependencies, result, branch, merge command, archived runs.")

        @OptionGroup var bus: LoopDirOption
        @Argument(help: "The task id.") var task: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard let overview = try await TaskOverview.find(task, paths: bus.paths) else {
                throw LoopError.config(
                    "No task \(task): no card in \(bus.paths.display(bus.paths.tasks)), no run, no branch loop/\(task). `loop tasks list` shows the known tasks."
                )
            }
            if json {
                try CommandSupport.printJSON(overview)
            } else {
                print(overview.lines.joined(separator: "\n"))
            }
        }
    }
}
