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

            --watch redraws the block every --interval seconds from the bus files only
            (works from a second terminal or over ssh). On a terminal it redraws in
            place; piped, it prints a new block only when something changed. It ends on
            Ctrl+C (exit 0), and by itself when the run has finished.

            Examples:
              loop status
              loop status --json | jq .state
              loop status --watch --interval 5
            """
    )

    @OptionGroup var bus: LoopDirOption
    @Flag(help: "Print the stable JSON document (schema_version 1).") var json = false
    @Flag(help: "Keep redrawing until Ctrl+C or the end of the run.") var watch = false
    @Option(help: "With --watch: seconds between redraws, at least 0.2. (default: 2)") var interval: Double?

    func validate() throws {
        if watch && json {
            throw ValidationError(
                "--watch and --json do not go together; for a machine feed use `loop events --follow --json`.")
        }
        if interval != nil && !watch { throw ValidationError("--interval goes with --watch.") }
        if let interval, interval < 0.2 { throw ValidationError("--interval must be at least 0.2 seconds.") }
    }

    func run() async throws {
        if watch {
            let inPlace = Terminal.isTerminal(1) && !Terminal.prefersPlain()
            await StatusWatch(paths: bus.paths, interval: .milliseconds(Int((interval ?? 2) * 1000)), inPlace: inPlace)
                .run()
            return
        }
        try await Self.show(bus.paths, json: json)
    }

    /// `loop status [--json] [--loop-dir D]`, the forms scripts poll, read without ArgumentParser:
    /// its reflection over the command's options cost each `status` about a fifth of its run.
    /// Anything else (`--watch`, `--help`, a bad flag) is nil and gets the full parse.
    static func quickArguments(_ arguments: [String]) -> (loopDir: String, json: Bool)? {
        guard arguments.first == configuration.commandName else { return nil }
        var loopDir = LoopDirOption.defaultLoopDir
        var json = false
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            if argument == "--json", !json {
                json = true
            } else if argument == "--loop-dir", let value = rest.popFirst(), !value.hasPrefix("-") {
                loopDir = value
            } else if argument.hasPrefix("--loop-dir="), argument.count > "--loop-dir=".count {
                loopDir = String(argument.dropFirst("--loop-dir=".count))
            } else {
                return nil
            }
        }
        return (loopDir, json)
    }

    /// Prints the run's status once: lines, or the JSON document.
    static func show(_ paths: BusPaths, json: Bool) async throws {
        var report = try StatusReport.read(paths)
        if report.result == "approved", report.mergeCommand != nil, let sha = report.headSHA {
            let merged: Bool
            switch GitHeadFile.commit(repository: paths.repository) {
            case sha:
                merged = true  // your branch is at the approved commit
            case let yours? where yours == report.baseSHA:
                merged = false  // your branch has not moved since the run started from it
            default:
                merged = await Git(directory: paths.repository).isAncestor(sha, of: "HEAD")
            }
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
