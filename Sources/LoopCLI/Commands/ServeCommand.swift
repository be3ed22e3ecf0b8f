import ArgumentParser
import Foundation
import LoopCore

/// `loop serve`: becomes `loop-serve`, the web dashboard's own executable next to `loop`.
///
/// The dashboard links an HTTP server, which `loop` must not load on every start (its
/// `--version` time and size stay as they are), so it lives apart, as `loop-agent` does. The
/// options are declared here too so that `loop serve --help` documents them; `loop-serve`
/// checks them.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "A local web dashboard of runs, tasks, lanes and rounds, live (runs loop-serve).",
        discussion: """
            One page and a read-only JSON API over .loop/ and git, updated live over
            Server-Sent Events (/api/events). It only reads files: it never takes the bus lock.
            Binds 127.0.0.1 by default; any other address needs --token. See docs/DASHBOARD.md.

            Examples:
              loop serve                                  # then open http://127.0.0.1:8787/
              loop serve --port 0                         # any free port (printed)
              loop serve --host 0.0.0.0 --token "$(openssl rand -hex 16)"
              loop serve --allow-control                  # pause / continue / stop from the page
            """
    )

    @Option(help: "The address to listen on (IPv4). Anything but 127.x needs --token.")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on (0 = any free port; the address is printed).")
    var port: UInt16 = 8787

    @OptionGroup var bus: LoopDirOption

    @Option(
        help:
            "A secret every request must carry (Authorization: Bearer, or open /?token=…). Required off 127.x. Also LOOP_SERVE_TOKEN, which ps does not show."
    )
    var token: String?

    @Flag(help: "Allow pause / continue / stop from the page (POST /api/control/<action>).")
    var allowControl = false

    func run() throws {
        var arguments = ["--host", host, "--port", String(port), "--loop-dir", bus.loopDir]
        if let token { arguments += ["--token", token] }
        if allowControl { arguments.append("--allow-control") }
        let path = ServeExecutable.path()
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw LoopError.config(ServeExecutable.missingMessage(at: path))
        }
        let code = ProcessImage.replace(with: path, arguments: [path] + arguments)
        throw LoopError.io(operation: "Starting", path: path, errno: code)
    }
}

/// Where the dashboard's executable, `loop-serve`, is: beside `loop`, found as `AgentExecutable`
/// finds `loop-agent`.
enum ServeExecutable {
    static let name = "loop-serve"

    /// `LOOP_SERVE_EXECUTABLE` when set; else beside `LOOP_EXECUTABLE` (tests naming `loop`);
    /// else beside the running binary, symlinks resolved.
    static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let override = environment["LOOP_SERVE_EXECUTABLE"], !override.isEmpty { return override }
        let loop = environment["LOOP_EXECUTABLE"].flatMap { $0.isEmpty ? nil : $0 } ?? CommandSupport.executablePath
        let folder = ((Filesystem.absolute(loop) as NSString).resolvingSymlinksInPath as NSString)
            .deletingLastPathComponent
        return (folder as NSString).appendingPathComponent(name)
    }

    /// The one line for a missing `loop-serve`: where it was looked for and how to get it.
    static func missingMessage(at path: String) -> String {
        "The dashboard is not installed: no executable \(name) at \(path) (it must sit next to loop). "
            + "Build it in the loop source checkout with `swift build -c release --product \(name)` "
            + "and copy it beside loop (or set LOOP_SERVE_EXECUTABLE)."
    }
}
