import ArgumentParser
import Foundation
import LoopCore
import LoopMain
import LoopServe

/// `loop-serve`: the web dashboard of a bus (`loop serve` runs it). A separate executable so
/// that `loop` never links an HTTP server.
struct LoopServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loop-serve",
        abstract: "A local web dashboard of the runs, tasks, lanes and rounds of a bus (also `loop serve`).",
        discussion: """
            Serves one page and a read-only JSON API over .loop/ and git, live over Server-Sent
            Events. It only reads files: it never takes the bus lock and never slows the PM.
            Binds 127.0.0.1 unless --host says otherwise; any other address needs --token.

            Examples:
              loop serve                                  # http://127.0.0.1:8787/
              loop serve --port 0                         # any free port (printed)
              loop serve --host 0.0.0.0 --token "$(openssl rand -hex 16)"
              loop serve --allow-control                  # pause / continue / stop buttons
            """,
        version: LoopVersion.current
    )

    @Option(help: "The address to listen on (IPv4). Anything but 127.x needs --token.")
    var host: String = ServeConfiguration.defaultHost

    @Option(help: "The port to listen on (0 = any free port; the address is printed).")
    var port: UInt16 = ServeConfiguration.defaultPort

    @Option(name: .customLong("loop-dir"), help: "The bus folder.")
    var loopDir: String = ".loop"

    @Option(
        help:
            "A secret every request must carry (Authorization: Bearer, or open /?token=…). Required off 127.x. Also LOOP_SERVE_TOKEN, which ps does not show."
    )
    var token: String?

    @Flag(help: "Allow POST /api/control/pause|continue|stop (runs `loop pause` etc. next to loop-serve).")
    var allowControl = false

    func run() async throws {
        let loop = ServeMain.loopExecutable()
        let token = token ?? ProcessInfo.processInfo.environment["LOOP_SERVE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let configuration = try ServeConfiguration(
            host: host, port: port, paths: BusPaths(loopDir: loopDir), token: token,
            controlExecutable: allowControl ? loop : nil)
        if allowControl, !FileManager.default.isExecutableFile(atPath: loop) {
            throw LoopError.config(
                "--allow-control runs the loop next to loop-serve, and there is none at \(loop). Put both in the same folder (or set LOOP_EXECUTABLE)."
            )
        }
        try await DashboardServer.run(configuration) { url in
            let hint = token == nil ? "" : " (open it once with ?token=<your token>)"
            let line =
                "loop-serve: dashboard of \(configuration.paths.display(configuration.paths.shared)) at \(url)\(hint); Ctrl+C stops it\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
    }
}

/// Entry point: parses, serves, exits with the documented code.
enum ServeMain {
    static func run() async -> Never {
        await CommandMain.run(LoopServeCommand.self, name: "loop-serve") { try LoopServeCommand.parseAsRoot() }
    }

    /// `loop` beside this executable (symlinks resolved), or `LOOP_EXECUTABLE` when set.
    static func loopExecutable() -> String {
        if let named = ProcessInfo.processInfo.environment["LOOP_EXECUTABLE"], !named.isEmpty { return named }
        let me = Platform.executablePath ?? CommandLine.arguments.first ?? "loop-serve"
        let folder = ((Filesystem.absolute(me) as NSString).resolvingSymlinksInPath as NSString)
            .deletingLastPathComponent
        return (folder as NSString).appendingPathComponent("loop")
    }
}
