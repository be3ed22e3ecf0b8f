import ArgumentParser
import Foundation
import LoopCore

/// `loop continue`: ends a pause.
struct ContinueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "continue",
        abstract: "Let a paused run go on.",
        discussion: """
            Replaces the pause in .loop/control.json; the PM notices within a second.
            Nothing to do (exit 0, a note) when the run is not paused.

            Examples:
              loop continue
            """
    )

    @OptionGroup var bus: LoopDirOption

    func run() async throws {
        let writer = ControlRequestWriter(paths: bus.paths)
        let target = try writer.target()
        guard writer.pending(for: target) == .pause else {
            print("\(target.name) is not paused; nothing to continue.")
            return
        }
        try writer.write(.continue, for: target)
        print("continuing \(target.name).")
    }
}
