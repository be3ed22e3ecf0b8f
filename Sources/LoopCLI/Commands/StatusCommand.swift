import ArgumentParser
import Foundation
import LoopCore

/// `loop status`: where the run is, from files only.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the task, state, round, run id, last decision, head and lock of the bus.",
        discussion: """
            Reads .loop/state.json and the lock; never takes the lock. Runs git once,
            for an approved run only, to see whether its commit is already merged into
            your branch (then no merge command is shown).

            Examples:
              loop status
              loop status --json | jq .state
            """
    )

    @OptionGroup var bus: LoopDirOption
    @Flag(help: "Print the stable JSON document (schema_version 1).") var json = false

    func run() async throws {
        var report = try StatusReport.read(bus.paths)
        if report.result == "approved", report.mergeCommand != nil, let sha = report.headSHA {
            let merged = await Git(directory: bus.paths.repository).isAncestor(sha, of: "HEAD")
            report.merged = merged
            if merged { report.mergeCommand = nil }
        }
        if json {
            try CommandSupport.printJSON(report)
        } else {
            print(report.lines.joined(separator: "\n"))
        }
    }
}
