import ArgumentParser
import Foundation
import LoopBackends
import LoopCore

/// `loop health`: is the PM alive, are heartbeats fresh, can the backends run.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check the lock owner, heartbeats, git and the configured backends; exit 1 when unhealthy.",
        discussion: """
            Runs the same checks as `loop run`'s preflight, plus the liveness of a
            running PM and of agent heartbeats.

            Examples:
              loop health
              loop health --json
            """
    )

    @OptionGroup var bus: LoopDirOption
    @Flag(help: "Print the result as JSON.") var json = false

    struct Check: Codable {
        var name: String
        var ok: Bool
        var detail: String
    }

    struct Report: Codable {
        var schemaVersion = 1
        var healthy: Bool
        var checks: [Check]

        enum CodingKeys: String, CodingKey {
            case healthy, checks
            case schemaVersion = "schema_version"
        }
    }

    func run() async throws {
        let paths = bus.paths
        let resolved = try OptionResolver.resolve(
            configPath: paths.config, environment: ProcessInfo.processInfo.environment, flags: [:])
        let state = try? RunState.load(from: paths.state)
        let options = state?.options ?? resolved.options
        var checks: [Check] = []

        let held = FileLock.isHeld(at: paths.lock)
        let owner = FileLock.readOwner(at: paths.lock)
        let midRun = state.map { !$0.phase.isTerminal && $0.result == nil } ?? false
        if held {
            checks.append(
                Check(name: "pm", ok: true, detail: "a PM is running (pid \(owner.map { String($0.pid) } ?? "?"))"))
        } else if midRun, let state {
            checks.append(
                Check(
                    name: "pm", ok: false,
                    detail:
                        "run \(state.runID) is in \(state.phase.rawValue) but no PM holds the lock: it died. Continue with `\(paths.command("run --resume"))`."
                ))
        } else {
            checks.append(Check(name: "pm", ok: true, detail: "no PM running"))
        }

        checks += Self.batchChecks(paths, batchPMRunning: held)

        for role in Role.allCases {
            let path = paths.heartbeat(role.rawValue)
            guard let modified = Filesystem.modificationDate(path) else {
                let needed = held && options.requireHeartbeat
                checks.append(Check(name: "heartbeat.\(role.rawValue)", ok: !needed, detail: "no heartbeat file"))
                continue
            }
            let age = -modified.timeIntervalSinceNow
            let fresh = Int(age) <= options.heartbeatTTL
            let needed = held && (options.requireHeartbeat || options.autoDispatch)
            let beat = "last beat \(HumanAge.ago(seconds: age)), ttl \(options.heartbeatTTL) s"
            // The word matches the verdict: an old heartbeat nobody needs now is not "stale".
            let detail =
                fresh ? "fresh: \(beat)" : needed ? "stale: \(beat)" : "not running: \(beat)"
            checks.append(Check(name: "heartbeat.\(role.rawValue)", ok: fresh || !needed, detail: detail))
        }

        let problems = await Preflight(
            paths: paths, options: options, dispatcher: BackendDispatcher(configured: resolved.backends)
        ).problems(checkBackends: true)
        if problems.isEmpty {
            checks.append(
                Check(
                    name: "preflight", ok: true,
                    detail: "git ok; backends \(options.workerBackend) and \(options.reviewerBackend) found"))
        }
        for problem in problems { checks.append(Check(name: "preflight", ok: false, detail: problem)) }

        if options.workerBackend == "ollama", options.reviewerBackend == "ollama",
            let worker = options.workerModel ?? resolved.backends["ollama"]?.model,
            let reviewer = options.reviewerModel ?? resolved.backends["ollama"]?.model, worker != reviewer
        {
            checks.append(Check(
                name: "models", ok: true,
                detail: "worker (\(worker)) and reviewer (\(reviewer)) are two models on one Ollama server: on a small box "
                    + "they evict each other from memory and every round reloads both. One model for both roles avoids it."))
        }
        let report = Report(healthy: checks.allSatisfy(\.ok), checks: checks)
        if json {
            try CommandSupport.printJSON(report)
        } else {
            for check in checks { print("\(check.ok ? "ok  " : "FAIL") \(check.name): \(check.detail)") }
            print(report.healthy ? "healthy" : "unhealthy")
        }
        if !report.healthy { throw ExitCode(1) }
    }

    /// The last batch's tasks, each in its own run folder (`batch/<task>/`, own state and lock):
    /// a task whose run is mid-round with no PM holding its lock has died with its batch PM.
    static func batchChecks(_ paths: BusPaths, batchPMRunning: Bool) -> [Check] {
        var checks: [Check] = []
        for task in TaskLocation.all(in: paths) where task.source == .batch {
            guard let state = task.state, !state.phase.isTerminal, state.result == nil else { continue }
            if FileLock.isHeld(at: task.paths.lock) {
                checks.append(
                    Check(
                        name: "batch.\(task.taskID)", ok: true,
                        detail: "running: round \(state.round), \(state.phase.rawValue)"))
            } else if !batchPMRunning {
                checks.append(
                    Check(
                        name: "batch.\(task.taskID)", ok: false,
                        detail:
                            "its run is in \(state.phase.rawValue) (round \(state.round)) but no PM holds its lock: the batch PM died. Continue the batch with `\(paths.command("run --resume"))`."
                    ))
            }
        }
        return checks
    }
}
