import ArgumentParser
import LoopCore

/// `loop version`: prints the version.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version of loop.")

    func run() {
        print("loop \(LoopVersion.current)")
    }
}
