import Foundation

/// Where the built-in agent's executable, `loop-agent`, is.
///
/// The built-in agent talks HTTP to model servers, and its networking stack (URLSession, so
/// FoundationNetworking, libcurl and its TLS libraries) would cost every `loop` start its
/// load time and memory. It is therefore its own executable, installed in the same folder as
/// `loop`: the `ollama` and `openai` backends start it directly, `loop agent` becomes it, and
/// `loop run`'s preflight and `loop demo` ask it about model servers. `loop` never links it.
package enum AgentExecutable {
    /// The file name, next to `loop`.
    package static let name = "loop-agent"

    /// The path `loop-agent` should be at: `LOOP_AGENT_EXECUTABLE` when set; else the folder of
    /// `LOOP_EXECUTABLE` (a `loop` named explicitly, e.g. by tests running from a test bundle);
    /// else the folder of the running binary, symlinks resolved, so a `loop` linked into
    /// `~/bin` still finds the `loop-agent` installed beside the real file.
    package static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let override = environment["LOOP_AGENT_EXECUTABLE"], !override.isEmpty { return override }
        let loop: String
        if let named = environment["LOOP_EXECUTABLE"], !named.isEmpty {
            loop = named
        } else {
            loop = Platform.executablePath ?? CommandLine.arguments.first ?? "loop"
        }
        let folder = ((Filesystem.absolute(loop) as NSString).resolvingSymlinksInPath as NSString)
            .deletingLastPathComponent
        return (folder as NSString).appendingPathComponent(name)
    }

    /// The path when an executable file is there; nil otherwise.
    package static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let path = path(environment: environment)
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// The one line for a missing `loop-agent`: where it was looked for and how to get it.
    package static func missingMessage(at path: String) -> String {
        "The built-in agent is not installed: no executable \(name) at \(path) (it must sit next to loop). "
            + "Install both with scripts/install from the loop source checkout, or build it there with "
            + "`swift build -c release --product \(name)` and copy it beside loop (or set LOOP_AGENT_EXECUTABLE)."
    }
}
