import Foundation
import LoopCore

/// The round subprocess's start: `loop run --single-round --round N --loop-dir D
/// [--run-folder F]`, exactly as the PM spawns it, read without ArgumentParser and without
/// config.yaml.
///
/// Why: the PM starts one such process per round. Building `RunCommand` by reflection over
/// its forty options and parsing config.yaml (YAML plus the options merge) cost each round
/// several milliseconds, for a fixed command line and options the run already keeps in
/// state.json; the backends come from the PM's `run/backends.json` (`BackendsSnapshot`).
/// Anything else — other arguments, no PM parent, no snapshot — is nil, and the normal parse
/// and config resolution run as before.
enum RoundChild {
    /// The request for this process when it is a PM's round subprocess, else nil.
    static func request(_ arguments: [String], environment: [String: String]) -> (RunRequest, [String: BackendConfig])? {
        guard let parent = environment[RunController.parentMarker], Int32(parent) == getppid() else { return nil }
        guard arguments.count == 6 || arguments.count == 8,
            Array(arguments[0..<3]) == ["run", "--single-round", "--round"], let round = Int(arguments[3]), round >= 1,
            arguments[4] == "--loop-dir"
        else { return nil }
        var runFolder: String?
        if arguments.count == 8 {
            guard arguments[6] == "--run-folder" else { return nil }
            runFolder = arguments[7]
        }
        let loopDir = arguments[5]
        guard let backends = BackendsSnapshot.read(BusPaths(loopDir: loopDir, runFolder: runFolder)) else { return nil }
        var request = RunRequest(loopDir: loopDir, taskPath: nil, options: RunOptions(), singleRound: true, round: round)
        request.runFolder = runFolder
        return (request, backends)
    }

    /// Runs the round; the same as `RunCommand` does for `--single-round`.
    static func run(_ request: RunRequest, backends: [String: BackendConfig], environment: [String: String]) async throws {
        let quiet = environment["LOOP_QUIET"] == "1"
        let plain = environment["LOOP_PLAIN"] == "1"
        try await RunCommand.run(
            request, backends: backends, console: Console(isQuiet: quiet),
            liveView: LiveView.isWanted(plain: plain, quiet: quiet), environment: environment)
    }
}
