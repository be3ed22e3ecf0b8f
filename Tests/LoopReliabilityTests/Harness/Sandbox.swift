#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore

/// One test's world: a temporary git repository with `.loop/` laid down by the real
/// `loop init`, scripted agents registered as `command` backends, and a scratch folder.
///
/// `<root>/repo` is the repository (the PM's cwd), `<root>/agents` the scripts,
/// `<root>/scratch` what they record. On release, every process still carrying one of this
/// sandbox's buses in `LOOP_BUS_DIR` is killed and the folder removed.
final class Sandbox: Sendable {
    let root: String
    let repo: String
    let scratch: String
    let agents: String
    let taskID: String

    static let worker = "rel-worker"
    static let reviewer = "rel-reviewer"

    /// The default bus.
    var bus: String { repo + "/.loop" }

    private init(root: String, taskID: String) {
        self.root = root
        self.taskID = taskID
        repo = root + "/repo"
        scratch = root + "/scratch"
        agents = root + "/agents"
    }

    /// A repository with one commit (unless `commit` is false) and `loop init` run, in a new
    /// folder under `parent` (the temp folder by default).
    static func make(
        git: Bool = true, commit: Bool = true, initLoop: Bool = true, taskID: String = "T-1",
        parent: String = NSTemporaryDirectory()
    ) async throws -> Sandbox {
        var template = Array(((parent.hasSuffix("/") ? parent : parent + "/") + "loop-rel-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw SetupFailure("mkdtemp failed: errno \(errno)") }
        let root = URL(fileURLWithPath: String(cString: made)).resolvingSymlinksInPath().path
        let box = Sandbox(root: root, taskID: taskID)
        for folder in [box.repo, box.scratch, box.agents] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        if git {
            try await box.git("init", "-q", "-b", "main")
            try await box.git("config", "user.email", "rel@loop.invalid")
            try await box.git("config", "user.name", "loop reliability")
            try await box.git("config", "commit.gpgsign", "false")
            if commit {
                try box.write("README.md", "# reliability fixture\n")
                try await box.git("add", "-A")
                try await box.git("commit", "-q", "-m", "initial commit")
            }
        }
        if initLoop {
            let result = try await runPM(["init"], in: box.repo)
            guard result.exitCode == 0 else { throw SetupFailure("loop init failed: \(result.output)") }
        }
        return box
    }

    deinit {
        Sandbox.killProcesses(underBus: root)
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Kills every process whose `LOOP_BUS_DIR` lies under `prefix`.
    static func killProcesses(underBus prefix: String) {
        let me = getpid()
        for entry in ProcessControl.processes() where entry.pid != me && entry.state != "Z" {
            guard let environ = FileManager.default.contents(atPath: "/proc/\(entry.pid)/environ") else { continue }
            let hasBus = environ.split(separator: 0).contains { item in
                String(decoding: item, as: UTF8.self).hasPrefix("LOOP_BUS_DIR=\(prefix)/")
            }
            guard hasBus else { continue }
            if entry.pgid > 1, entry.pgid != getpgrp() { kill(-entry.pgid, SIGKILL) }
            kill(entry.pid, SIGKILL)
        }
    }

    // MARK: - Files

    func path(_ relative: String) -> String { relative.hasPrefix("/") ? relative : "\(repo)/\(relative)" }

    func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path(relative))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func read(_ relative: String) throws -> String { try String(contentsOfFile: path(relative), encoding: .utf8) }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    func scratchFile(_ name: String) -> String { "\(scratch)/\(name)" }

    func hasMarker(_ name: String) -> Bool { FileManager.default.fileExists(atPath: scratchFile(name)) }

    /// A pid an agent recorded with `mark`.
    func recordedPID(_ name: String) throws -> pid_t {
        let text = try String(contentsOfFile: scratchFile(name), encoding: .utf8)
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw SetupFailure("\(name) holds no pid: \(text)")
        }
        return pid
    }

    // MARK: - Git

    @discardableResult
    func git(_ arguments: String...) async throws -> String { try await git(arguments) }

    @discardableResult
    func git(_ arguments: [String], in directory: String? = nil) async throws -> String {
        let result = try await ProcessRunner.capture(["git"] + arguments, in: directory ?? repo)
        guard result.exitCode == 0 else {
            throw SetupFailure("git \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Commits on `loop/<task>` that `main` does not have.
    func taskCommits(task: String? = nil) async throws -> Int {
        Int(try await git("rev-list", "--count", "main..loop/\(task ?? taskID)")) ?? -1
    }

    // MARK: - Task card and agents

    /// A task card (loop-kit's six fields plus `verify` and `extra` JSON fields) in `loopDir`.
    func writeCard(taskID: String? = nil, verify: [String]? = nil, extra: String = "", loopDir: String = ".loop") throws {
        var fields = [
            "\"task_id\": \"\(taskID ?? self.taskID)\"", #""goal": "Append a line to work.txt""#,
            #""in_scope": ["work.txt"]"#, #""out_of_scope": []"#, #""acceptance_criteria": ["work.txt grows"]"#,
            #""constraints": []"#,
        ]
        if let verify {
            let list = verify.map { "\"\($0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"" }
            fields.append("\"verify\": [\(list.joined(separator: ", "))]")
        }
        if !extra.isEmpty { fields.append(extra) }
        try write("\(loopDir)/task_card.json", "{\n  " + fields.joined(separator: ",\n  ") + "\n}\n")
    }

    /// Writes an agent script and returns its path.
    @discardableResult
    func agent(_ name: String, _ body: String) throws -> String {
        let file = "\(agents)/\(name)"
        try Data(Agents.script(state: scratch, body: body).utf8).write(to: URL(fileURLWithPath: file))
        chmod(file, 0o755)
        return file
    }

    /// Writes the worker and reviewer scripts and registers them in `config.yaml` as
    /// `rel-worker` / `rel-reviewer` (each with `extra` YAML lines; `workerExtra` for the worker only).
    func useAgents(
        worker: String = Agents.goodWorker, reviewer: String = Agents.approve, extra: [String] = [],
        workerExtra: [String] = [], loopDir: String = ".loop"
    ) throws {
        let suffix = loopDir == ".loop" ? "" : "-" + loopDir.replacingOccurrences(of: "/", with: "_")
        let workerPath = try agent("worker" + suffix, worker)
        let reviewerPath = try agent("reviewer" + suffix, reviewer)
        try addBackend(Self.worker, command: [workerPath], extra: extra + workerExtra, loopDir: loopDir)
        try addBackend(Self.reviewer, command: [reviewerPath], extra: extra, loopDir: loopDir)
    }

    /// Appends a `command` backend to the `backends:` map of `loopDir/config.yaml`.
    func addBackend(_ name: String, command: [String], extra: [String] = [], loopDir: String = ".loop") throws {
        var text = try read("\(loopDir)/config.yaml")
        if !text.hasSuffix("\n") { text += "\n" }
        text += "  \(name):\n    command: [\(command.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
        for line in extra { text += "    \(line)\n" }
        try write("\(loopDir)/config.yaml", text)
    }

    /// Sets a top-level option in `loopDir/config.yaml`, replacing the line `loop init` wrote.
    func setOption(_ key: String, _ value: String, loopDir: String = ".loop") throws {
        var lines = try read("\(loopDir)/config.yaml").components(separatedBy: "\n")
        if let index = lines.firstIndex(where: { $0.hasPrefix("\(key):") }) {
            lines[index] = "\(key): \(value)"
        } else {
            lines.insert("\(key): \(value)", at: 0)
        }
        try write("\(loopDir)/config.yaml", lines.joined(separator: "\n"))
    }

    // MARK: - Running loop

    /// `loop run --auto-dispatch` with the sandbox's agents and short timeouts, plus `arguments`.
    static func runArguments(_ arguments: [String] = []) -> [String] {
        [
            "run", "--auto-dispatch", "--worker-backend", worker, "--reviewer-backend", reviewer,
            "--dispatch-retry-base-sec", "1", "--artifact-timeout", "2",
        ] + arguments
    }

    /// Runs `loop run` (auto-dispatch, sandbox agents) to its end.
    func run(_ arguments: [String] = [], environment: [String: String] = [:], limit: Duration = .seconds(90))
        async throws -> PMResult
    {
        try await runPM(Self.runArguments(arguments), in: repo, environment: environment, limit: limit)
    }

    /// Starts `loop run` (auto-dispatch, sandbox agents) in the background.
    func start(_ arguments: [String] = [], environment: [String: String] = [:], limit: Duration = .seconds(90))
        -> PMProcess
    {
        PMProcess(Self.runArguments(arguments), in: repo, environment: environment, limit: limit)
    }

    /// Runs any `loop` command in the repository.
    func loop(_ arguments: [String], environment: [String: String] = [:]) async throws -> PMResult {
        try await runPM(arguments, in: repo, environment: environment)
    }
}
