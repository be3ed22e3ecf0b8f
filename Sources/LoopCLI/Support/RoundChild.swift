import Foundation
import LoopCore

/// The round subprocess's start: `loop run --single-round --standby --loop-dir D
/// [--run-folder F]`, exactly as the PM spawns it (or `--round N` instead of `--standby`, as
/// a person may), read without ArgumentParser and without config.yaml.
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
        guard arguments.count >= 3, Array(arguments[0..<2]) == ["run", "--single-round"] else { return nil }
        // `--round N` (a round now) or `--standby` (a round to be told on stdin, see RoundProcess).
        var round: Int?
        var rest = arguments[2...]
        if rest.first == "--standby" {
            rest = rest.dropFirst()
        } else {
            guard rest.count >= 2, rest.first == "--round", let number = Int(rest[rest.startIndex + 1]), number >= 1
            else { return nil }
            round = number
            rest = rest.dropFirst(2)
        }
        guard rest.count == 2 || rest.count == 4, rest.first == "--loop-dir" else { return nil }
        let loopDir = rest[rest.startIndex + 1]
        var runFolder: String?
        if rest.count == 4 {
            guard rest[rest.startIndex + 2] == "--run-folder" else { return nil }
            runFolder = rest[rest.startIndex + 3]
        }
        guard let backends = BackendsSnapshot.read(BusPaths(loopDir: loopDir, runFolder: runFolder)) else { return nil }
        var request = RunRequest(loopDir: loopDir, taskPath: nil, options: RunOptions(), singleRound: true, round: round)
        request.standby = round == nil
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
