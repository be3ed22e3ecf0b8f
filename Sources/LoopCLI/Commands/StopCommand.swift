import ArgumentParser
import Foundation
import LoopCore

/// `loop stop`: ends the run after the current round, resumable.
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "End the running PM after the current round, saved as stopped (resume with `loop run --resume`).",
        discussion: """
            Writes .loop/control.json for the run in progress. The PM finishes the round in
            flight (at once when the run is paused), saves the state as stopped and exits 76;
            `loop run --resume` continues from there. In a batch every running task stops
            after its round, no new task starts, and the batch exits 76. This command exits 0
            once the request is written; 1 when no PM is running a run on this bus.

            Examples:
              loop stop
              loop stop && loop status --watch
            """
    )

    @OptionGroup var bus: LoopDirOption

    func run() async throws {
        let writer = ControlRequestWriter(paths: bus.paths)
        let target = try writer.target()
        let wasPaused = writer.pending(for: target) == .pause
        try writer.write(.stop, for: target)
        let resume = bus.paths.command("run --resume")
        if wasPaused {
            print("stopping \(target.name) now (it is paused); `\(resume)` continues it.")
        } else if case .run(let state) = target {
            print("stopping run \(state.runID) after round \(state.round); `\(resume)` continues it.")
        } else {
            print(
                "stopping \(target.name): each running task after its current round, no new task starts; `\(resume)` continues it."
            )
        }
    }
}
