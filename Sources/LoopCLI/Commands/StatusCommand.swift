import ArgumentParser
import Foundation
import LoopCore

/// `loop status`: where the run is, from files only.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the task, state, round, run id, last decision, head and lock of the bus.",
        discussion: """
            Reads .loop/state.json and the lock; never runs git and never takes the lock.

            Examples:
              loop status
              loop status --json | jq .state
            """
    )

    @OptionGroup var bus: LoopDirOption
    @Flag(help: "Print the stable JSON document (schema_version 1).") var json = false

    func run() throws {
        let report = try StatusReport.read(bus.paths)
        if json {
            try CommandSupport.printJSON(report)
        } else {
            print(report.lines.joined(separator: "\n"))
        }
    }
}
