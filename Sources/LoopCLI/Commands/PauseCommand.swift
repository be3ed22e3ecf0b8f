import ArgumentParser
import Foundation
import LoopCore

/// `loop pause`: the PM finishes the step in flight, then waits until `loop continue`.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause the running PM after the current step (the agent in flight finishes first).",
        discussion: """
            Writes .loop/control.json for the run (or batch) in progress. The PM reads it between
            phases (after the worker, after verify, after the reviewer) and between rounds,
            then waits, holding the lock; `loop status` says paused. `loop continue` goes on;
            `loop stop` ends the run. In a batch every running task pauses and no new task
            starts. Exits 1 when no PM is running a run on this bus.

            Examples:
              loop pause
              loop pause --loop-dir other/.loop
            """
    )

    @OptionGroup var bus: LoopDirOption

    func run() async throws {
        let writer = ControlRequestWriter(paths: bus.paths)
        let target = try writer.target()
        try writer.write(.pause, for: target)
        switch target {
        case .run(let state):
            print(
                "pausing run \(state.runID) (round \(state.round), \(state.phase.rawValue)) after the current step; `\(bus.paths.command("continue"))` goes on."
            )
        case .batch(let batch):
            print(
                "pausing batch \(batch.batchID): each running task after its current step, and no new task starts; `\(bus.paths.command("continue"))` goes on."
            )
        }
    }
}
