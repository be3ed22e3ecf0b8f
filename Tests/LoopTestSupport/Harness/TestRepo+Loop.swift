#if canImport(Glibc)
    import Glibc
#endif
import Foundation

extension TestRepo {
    package static let workerBackend = "test-worker"
    package static let reviewerBackend = "test-reviewer"

    // MARK: - Task card and agents

    /// The loop-kit card format: the six fields and nothing else, plus `verify` and `extra`
    /// fields as JSON text, in `<loopDir>/task_card.json`.
    package func writeCard(taskID: String? = nil, verify: [String]? = nil, extra: String = "", loopDir: String = ".loop")
        throws
    {
        var fields = [
            "\"task_id\": \"\(taskID ?? self.taskID)\"", #""goal": "Append a line to work.txt""#,
            #""in_scope": ["work.txt"]"#, #""out_of_scope": []"#, #""acceptance_criteria": ["work.txt has a new line"]"#,
            #""constraints": []"#,
        ]
        if let verify {
            let list = verify.map {
                "\"\($0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\""
            }
            fields.append("\"verify\": [\(list.joined(separator: ", "))]")
        }
        if !extra.isEmpty { fields.append(extra) }
        try write("\(loopDir)/task_card.json", "{\n  " + fields.joined(separator: ",\n  ") + "\n}\n")
    }

    /// Writes an agent script (the prelude of `AgentScript`, then `body`) and returns its path.
    @discardableResult
    package func agent(_ name: String, _ body: String) throws -> String {
        let file = "\(agents)/\(name)"
        let script = AgentScript.script(state: scratch, body: body, strictness: agentStrictness)
        try Data(script.utf8).write(to: URL(fileURLWithPath: file))
        chmod(file, 0o755)
        return file
    }

    /// Writes worker and reviewer scripts and registers them in `<loopDir>/config.yaml` as the
    /// `test-worker` and `test-reviewer` command backends, each with `extra` YAML lines
    /// (`workerExtra` for the worker only).
    package func useAgents(
        worker: String = AgentScript.goodWorker, reviewer: String = AgentScript.approve, extra: [String] = [],
        workerExtra: [String] = [], loopDir: String = ".loop"
    ) throws {
        let suffix = loopDir == ".loop" ? "" : "-" + loopDir.replacingOccurrences(of: "/", with: "_")
        let workerPath = try agent("worker" + suffix, worker)
        let reviewerPath = try agent("reviewer" + suffix, reviewer)
        try addBackend(Self.workerBackend, command: [workerPath], extra: extra + workerExtra, loopDir: loopDir)
        try addBackend(Self.reviewerBackend, command: [reviewerPath], extra: extra, loopDir: loopDir)
    }

    /// Appends a `command` backend to the `backends:` map `loop init` wrote in `<loopDir>/config.yaml`.
    package func addBackend(_ name: String, command: [String], extra: [String] = [], loopDir: String = ".loop") throws {
        var text = try read("\(loopDir)/config.yaml")
        if !text.hasSuffix("\n") { text += "\n" }
        text += "  \(name):\n    command: [\(command.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
        for line in extra { text += "    \(line)\n" }
        try write("\(loopDir)/config.yaml", text)
    }

    /// Sets a top-level option in `<loopDir>/config.yaml`, replacing the line `loop init` wrote.
    package func setOption(_ key: String, _ value: String, loopDir: String = ".loop") throws {
        var lines = try read("\(loopDir)/config.yaml").components(separatedBy: "\n")
        if let index = lines.firstIndex(where: { $0.hasPrefix("\(key):") }) {
            lines[index] = "\(key): \(value)"
        } else {
            lines.insert("\(key): \(value)", at: 0)
        }
        try write("\(loopDir)/config.yaml", lines.joined(separator: "\n"))
    }

    // MARK: - Running loop

    /// `loop run --auto-dispatch` with the test backends and short timeouts, plus `arguments`.
    package static func runArguments(_ arguments: [String] = []) -> [String] {
        [
            "run", "--auto-dispatch", "--worker-backend", workerBackend, "--reviewer-backend", reviewerBackend,
            "--dispatch-retry-base-sec", "1", "--artifact-timeout", "2",
        ] + arguments
    }

    /// Runs `loop run` (auto-dispatch, test backends) to its end.
    package func run(_ arguments: [String] = [], environment: [String: String] = [:], limit: Duration = .seconds(90))
        async throws -> LoopResult
    {
        try await runLoop(Self.runArguments(arguments), in: path, environment: environment, limit: limit)
    }

    /// Starts `loop run` (auto-dispatch, test backends) in the background.
    package func start(_ arguments: [String] = [], environment: [String: String] = [:], limit: Duration = .seconds(90))
        -> LoopProcess
    {
        LoopProcess(Self.runArguments(arguments), in: path, environment: environment, limit: limit)
    }

    /// Starts `loop run` (auto-dispatch, test backends) and returns once an agent has recorded
    /// `marker` in the scratch folder (`ready` for `AgentScript.hangOnFirstCall`).
    package func start(_ arguments: [String] = [], waitingFor marker: String) async throws -> LoopProcess {
        let run = start(arguments)
        try await eventually("an agent recorded \(marker)") { hasMarker(marker) }
        return run
    }

    /// Writes the default card and starts `loop run` with `AgentScript.heldWorker`; returns once
    /// the worker runs. The run stays in its first dispatch until `releaseWorker()`.
    package func startHeldRun() async throws -> LoopProcess {
        try writeCard()
        try useAgents(worker: AgentScript.heldWorker)
        return try await start(waitingFor: "worker-started")
    }

    /// Lets the worker of `startHeldRun()` go on.
    package func releaseWorker() throws {
        try Data().write(to: URL(fileURLWithPath: scratchFile("release")))
    }

    /// Runs any `loop` command in the repository.
    package func loop(_ arguments: String...) async throws -> LoopResult {
        try await loop(arguments)
    }

    /// Runs any `loop` command in the repository, with `environment` added.
    package func loop(_ arguments: [String], environment: [String: String] = [:]) async throws -> LoopResult {
        try await runLoop(arguments, in: path, environment: environment)
    }
}
