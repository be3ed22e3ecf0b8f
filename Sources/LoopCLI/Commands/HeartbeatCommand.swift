import ArgumentParser
import Foundation
import LoopCore

/// `loop heartbeat --role R`: proves a manually run agent is alive.
struct HeartbeatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heartbeat",
        abstract: "Write .loop/heartbeat/<role>.json every few seconds until stopped.",
        discussion: """
            Run it beside an agent you dispatch by hand, so `loop run
            --require-heartbeat` and `loop health` can tell it is alive.

            Example:
              loop heartbeat --role worker --interval 5 &
            """
    )

    @OptionGroup var bus: LoopDirOption
    @Option(help: "worker or reviewer.") var role: String
    @Option(help: "Seconds between beats.") var interval: Int = 5

    func validate() throws {
        guard Role(rawValue: role) != nil else { throw ValidationError("--role must be worker or reviewer.") }
        guard interval >= 1 else { throw ValidationError("--interval must be at least 1.") }
    }

    func run() async throws {
        let path = bus.paths.heartbeat(role)
        let trap = SignalTrap()
        let signals = trap.signals
        let beating = Task {
            while !Task.isCancelled {
                let beat = Heartbeat(
                    role: role, pid: getpid(), updatedAt: Timestamp.now(),
                    cwd: FileManager.default.currentDirectoryPath, source: "manual")
                try beat.write(to: path)
                try? await Task.sleep(for: .seconds(interval))
            }
        }
        print("Heartbeat for \(role) → \(bus.paths.display(path)) every \(interval) s; Ctrl+C to stop.")
        for await _ in signals { break }
        beating.cancel()
        _ = await beating.result
        withExtendedLifetime(trap) {}
        print("Heartbeat stopped.")
    }
}
