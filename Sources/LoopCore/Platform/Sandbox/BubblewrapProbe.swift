import Foundation

/// Finds `bwrap` and proves it can create a sandbox here (user namespaces on, setuid or not).
///
/// A broken install is found before the run, not at the worker's first command or the
/// first verify.
package enum BubblewrapProbe {
    /// A working `bwrap`, or why there is none.
    package enum Result: Sendable, Equatable {
        case usable(path: String)
        case unusable(problem: String)
    }

    /// The one-line install hint used wherever bubblewrap is missing.
    package static let installHint = "install bubblewrap (apt-get install bubblewrap, dnf install bubblewrap)"

    /// Looks up `bwrap` (`explicitPath`, else `PATH`) and starts a probe sandbox.
    package static func detect(explicitPath: String? = nil) async -> Result {
        guard let bwrap = explicitPath ?? Preflight.findOnPath("bwrap") else {
            return .unusable(problem: "bubblewrap (bwrap) is not installed")
        }
        guard FileManager.default.isExecutableFile(atPath: bwrap) else {
            return .unusable(problem: "bubblewrap was not found at \(bwrap)")
        }
        let tail = Locked("")
        let spec = ProcessSpec(
            arguments: BubblewrapCommand.probeArguments(bwrapPath: bwrap), workingDirectory: "/",
            removedEnvironment: Array(ProcessInfo.processInfo.environment.keys), timeout: .seconds(15),
            killGrace: .seconds(1))
        do {
            let outcome = try await ProcessRunner.run(spec) { _, line in tail.set(line) }
            if outcome.exitCode == 0 { return .usable(path: bwrap) }
            return .unusable(problem: "bubblewrap cannot create a sandbox here (\(tail.value))")
        } catch {
            return .unusable(problem: "bubblewrap cannot be started (\(error.localizedDescription))")
        }
    }
}
