#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore

/// A temporary git repository for one test, with `.loop/` laid down by the real `loop init`
/// and scripted agents registered as `command` backends.
///
/// Layout: `<root>/repo` is the repository (the PM's cwd), `<root>/agents` holds the agent
/// scripts and `<root>/scratch` what they record (prompts, pids, attempt counters). Everything
/// is removed, and any process still carrying this bus in `LOOP_BUS_DIR` is killed, when the
/// value is released.
final class TestRepo: Sendable {
    /// The temporary folder holding everything.
    let root: String
    /// The repository (and the cwd of every `loop` run).
    let path: String
    /// Where agents record what they saw (`$STATE` in the scripts).
    let scratch: String
    let agents: String

    static let workerBackend = "e2e-worker"
    static let reviewerBackend = "e2e-reviewer"

    var loopDir: String { path + "/.loop" }
    var taskID: String { "T-1" }

    private init(root: String) {
        self.root = root
        path = root + "/repo"
        scratch = root + "/scratch"
        agents = root + "/agents"
    }

    /// A repository with one commit (`README.md`), local identity, `loop init` run.
    /// - Parameters:
    ///   - git: false for a plain folder (preflight tests).
    ///   - initLoop: false to skip `loop init`.
    static func make(git: Bool = true, initLoop: Bool = true) async throws -> TestRepo {
        var template = Array((NSTemporaryDirectory() + "loop-e2e-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed: errno \(errno)") }
        let resolved = URL(fileURLWithPath: String(cString: made)).resolvingSymlinksInPath().path
        let repo = TestRepo(root: resolved)
        for folder in [repo.path, repo.scratch, repo.agents] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        if git {
            try await repo.git("init", "-q", "-b", "main")
            try await repo.git("config", "user.email", "e2e@loop.invalid")
            try await repo.git("config", "user.name", "loop e2e")
            try await repo.git("config", "commit.gpgsign", "false")
            try repo.write("README.md", "# e2e fixture\n")
            try await repo.git("add", "-A")
            try await repo.git("commit", "-q", "-m", "initial commit")
        }
        if initLoop {
            let result = try await runLoop(["init"], in: repo.path)
            guard result.exitCode == 0 else { throw TestFailure("loop init failed: \(result.output)") }
        }
        return repo
    }

    deinit {
        let leftovers = ProcessControl.processes(withEnvironment: "LOOP_BUS_DIR", value: loopDir)
        for process in leftovers {
            if process.pgid > 1, process.pgid != getpgrp() { kill(-process.pgid, SIGKILL) }
            kill(process.pid, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: - Files

    /// Writes `text` to a path relative to the repository (folders made as needed).
    func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// The text of a file; a path starting with `/` is absolute, otherwise relative to the repository.
    func read(_ file: String) throws -> String {
        try String(contentsOfFile: absolute(file), encoding: .utf8)
    }

    func exists(_ file: String) -> Bool {
        FileManager.default.fileExists(atPath: absolute(file))
    }

    func absolute(_ file: String) -> String {
        file.hasPrefix("/") ? file : "\(path)/\(file)"
    }

    /// A file under the scratch folder the agents write to.
    func scratchFile(_ name: String) -> String { "\(scratch)/\(name)" }

    /// A pid an agent recorded in the scratch folder.
    func recordedPID(_ name: String) throws -> pid_t {
        let text = try String(contentsOfFile: scratchFile(name), encoding: .utf8)
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestFailure("\(name) holds no pid: \(text)")
        }
        return pid
    }

    // MARK: - Git

    /// Runs git in the repository and returns stdout, trimmed; throws on a non-zero exit.
    @discardableResult
    func git(_ arguments: String...) async throws -> String {
        try await git(arguments)
    }

    @discardableResult
    func git(_ arguments: [String], in directory: String? = nil) async throws -> String {
        let result = try await ProcessRunner.capture(["git"] + arguments, in: directory ?? path)
        guard result.exitCode == 0 else {
            throw TestFailure("git \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: - Task card and backends

    /// The loop-kit card format: the six fields and nothing else, plus `extra` fields as JSON text.
    func writeCard(verify: [String]? = nil, extra: String = "") throws {
        var fields = [
            #""task_id": "T-1""#, #""goal": "Append a line to work.txt""#, #""in_scope": ["work.txt"]"#,
            #""out_of_scope": []"#, #""acceptance_criteria": ["work.txt has a new line"]"#, #""constraints": []"#,
        ]
        if let verify {
            let list = verify.map { "\"\($0.replacingOccurrences(of: "\"", with: "\\\""))\"" }.joined(separator: ", ")
            fields.append("\"verify\": [\(list)]")
        }
        if !extra.isEmpty { fields.append(extra) }
        try write(".loop/task_card.json", "{\n  " + fields.joined(separator: ",\n  ") + "\n}\n")
    }

    /// Writes an agent script (the prelude of `AgentScript`, then `body`) and returns its path.
    @discardableResult
    func agent(_ name: String, _ body: String) throws -> String {
        let file = "\(agents)/\(name)"
        try Data(AgentScript.script(state: scratch, body: body).utf8).write(to: URL(fileURLWithPath: file))
        chmod(file, 0o755)
        return file
    }

    /// Writes worker and reviewer scripts and registers them in `.loop/config.yaml` as the
    /// `e2e-worker` and `e2e-reviewer` command backends, each with `extra` YAML lines.
    func useAgents(worker: String = AgentScript.goodWorker, reviewer: String = AgentScript.approve, extra: [String] = [])
        throws
    {
        let workerPath = try agent("worker", worker)
        let reviewerPath = try agent("reviewer", reviewer)
        try addBackend(Self.workerBackend, command: [workerPath], extra: extra)
        try addBackend(Self.reviewerBackend, command: [reviewerPath], extra: extra)
    }

    /// Appends a `command` backend to the `backends:` map `loop init` wrote.
    func addBackend(_ name: String, command: [String], extra: [String] = []) throws {
        let config = loopDir + "/config.yaml"
        var text = try String(contentsOfFile: config, encoding: .utf8)
        if !text.hasSuffix("\n") { text += "\n" }
        text += "  \(name):\n    command: [\(command.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
        for line in extra { text += "    \(line)\n" }
        try Data(text.utf8).write(to: URL(fileURLWithPath: config))
    }

    /// `loop run --auto-dispatch` with the e2e backends and short timeouts, plus `arguments`.
    static func runArguments(_ arguments: [String] = []) -> [String] {
        [
            "run", "--auto-dispatch", "--worker-backend", workerBackend, "--reviewer-backend", reviewerBackend,
            "--dispatch-retry-base-sec", "1", "--artifact-timeout", "2",
        ] + arguments
    }

    /// Runs `loop run` (auto-dispatch, e2e backends) to its end.
    func run(_ arguments: [String] = [], environment: [String: String] = [:]) async throws -> LoopResult {
        try await runLoop(Self.runArguments(arguments), in: path, environment: environment)
    }

    /// Starts `loop run` (auto-dispatch, e2e backends) in the background.
    func start(_ arguments: [String] = [], environment: [String: String] = [:]) -> LoopProcess {
        LoopProcess(Self.runArguments(arguments), in: path, environment: environment)
    }

    /// Runs any `loop` command in the repository.
    func loop(_ arguments: String...) async throws -> LoopResult {
        try await runLoop(arguments, in: path)
    }
}

/// A failure in the test's own setup.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
