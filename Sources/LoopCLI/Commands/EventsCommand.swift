import ArgumentParser
import Foundation
import LoopCore

/// `loop events`: the run's `events.jsonl`, as readable lines or as the JSON lines themselves.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print the events of the bus (every transition of every run), optionally following new ones.",
        discussion: """
            Reads .loop/events.jsonl; never takes the lock. By default one readable line per
            event (time in UTC, round, event, fields); --json prints the lines exactly as
            they are in the file. --follow keeps printing new events until Ctrl+C (exit 0),
            and waits for the file when it does not exist yet.

            Examples:
              loop events
              loop events --since 3
              loop events --follow --json | jq -c 'select(.event == "run_finished")'
            """
    )

    @OptionGroup var bus: LoopDirOption
    @Flag(help: "Keep printing new events until Ctrl+C.") var follow = false
    @Flag(help: "Print the JSON lines as they are in events.jsonl.") var json = false
    @Option(help: "Only events of this round and later.") var since: Int?

    func validate() throws {
        if let since, since < 1 { throw ValidationError("--since must be a round number, 1 or more.") }
    }

    func run() async throws {
        let path = bus.paths.events
        if !follow && !Filesystem.exists(path) {
            throw LoopError.config(
                "No events yet: \(bus.paths.display(path)) does not exist. Start a run with `loop run`.")
        }
        var reader = EventFileReader(path: path)
        let interrupts = follow ? Interrupts() : nil
        repeat {
            let out = reader.newLines().compactMap(render).map { $0 + "\n" }.joined()
            if !out.isEmpty { FileHandle.standardOutput.write(Data(out.utf8)) }
        } while await interrupts?.sleep(.milliseconds(250)) == true
    }

    /// The line as printed, or nil when --since filters it out. A line that is not an event
    /// (a torn last line after a crash) is kept with --json and skipped otherwise.
    private func render(_ line: String) -> String? {
        let event = try? JSONDecoder().decode(Event.self, from: Data(line.utf8))
        if let since {
            guard let round = event?.round, round >= since else { return nil }
        }
        if json { return line }
        return event.map(EventLine.format)
    }
}
