#if canImport(Glibc)
    import Glibc
#endif
package import Foundation
import LoopCore

/// A temporary git repository for one test, with `.loop/` laid down by the real `loop init`
/// and scripted agents registered as `command` backends (see `TestRepo+Loop.swift`).
///
/// Layout: `<root>/repo` is the repository (the PM's cwd), `<root>/agents` holds the agent
/// scripts and `<root>/scratch` what they record (prompts, pids, attempt counters). When the
/// value is released, every process still carrying a bus under `<root>` in `LOOP_BUS_DIR` is
/// killed and the folder removed.
package final class TestRepo: Sendable {
    /// The temporary folder holding everything.
    package let root: String
    /// The repository (and the cwd of every `loop` run).
    package let path: String
    /// Where agents record what they saw (`$STATE` in the scripts).
    package let scratch: String
    /// Where the agent scripts are written.
    package let agents: String
    /// The task id of the default task card.
    package let taskID: String
    /// How the agent scripts written for this repository treat a failing command.
    package let agentStrictness: AgentScript.Strictness

    /// The default bus.
    package var loopDir: String { path + "/.loop" }

    private init(root: String, taskID: String, agentStrictness: AgentScript.Strictness) {
        self.root = root
        self.taskID = taskID
        self.agentStrictness = agentStrictness
        path = root + "/repo"
        scratch = root + "/scratch"
        agents = root + "/agents"
    }

    /// A repository with one commit (`README.md`), a local identity, and `loop init` run, in a
    /// new folder under `parent` (the temp folder by default).
    /// - Parameters:
    ///   - agents: `.runEveryLine` for hostile agents that must carry on past a failing command.
    ///   - git: false for a plain folder (preflight tests).
    ///   - commit: false for a repository without any commit.
    ///   - initLoop: false to skip `loop init`.
    package static func make(
        agents: AgentScript.Strictness = .stopOnError, git: Bool = true, commit: Bool = true, initLoop: Bool = true,
        taskID: String = "T-1", parent: String = NSTemporaryDirectory()
    ) async throws -> TestRepo {
        var template = Array(((parent.hasSuffix("/") ? parent : parent + "/") + "loop-test-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw SetupFailure("mkdtemp failed: errno \(errno)") }
        let resolved = URL(fileURLWithPath: String(cString: made)).resolvingSymlinksInPath().path
        let repo = TestRepo(root: resolved, taskID: taskID, agentStrictness: agents)
        for folder in [repo.path, repo.scratch, repo.agents] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        if git {
            try await repo.git("init", "-q", "-b", "main")
            try await repo.git("config", "user.email", "test@loop.invalid")
            try await repo.git("config", "user.name", "loop test")
            try await repo.git("config", "commit.gpgsign", "false")
            if commit {
                try repo.write("README.md", "# test fixture\n")
                try await repo.git("add", "-A")
                try await repo.git("commit", "-q", "-m", "initial commit")
            }
        }
        if initLoop {
            let result = try await runLoop(["init"], in: repo.path)
            guard result.exitCode == 0 else { throw SetupFailure("loop init failed: \(result.output)") }
        }
        return repo
    }

    deinit {
        Self.killProcesses(underBus: root)
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Kills every process whose `LOOP_BUS_DIR` lies under `prefix` (agents a PM left behind,
    /// on any of the buses a test made).
    package static func killProcesses(underBus prefix: String) {
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

    /// A path starting with `/` as it is, otherwise relative to the repository.
    package func absolute(_ file: String) -> String {
        file.hasPrefix("/") ? file : "\(path)/\(file)"
    }

    /// Writes `text` to `file` (see `absolute`), making folders as needed.
    package func write(_ file: String, _ text: String) throws {
        let url = URL(fileURLWithPath: absolute(file))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// The text of `file` (see `absolute`).
    package func read(_ file: String) throws -> String {
        try String(contentsOfFile: absolute(file), encoding: .utf8)
    }

    package func exists(_ file: String) -> Bool {
        FileManager.default.fileExists(atPath: absolute(file))
    }

    /// A file under the scratch folder the agents write to.
    package func scratchFile(_ name: String) -> String { "\(scratch)/\(name)" }

    /// Whether an agent recorded `name` in the scratch folder.
    package func hasMarker(_ name: String) -> Bool { FileManager.default.fileExists(atPath: scratchFile(name)) }

    /// A pid an agent recorded in the scratch folder.
    package func recordedPID(_ name: String) throws -> pid_t {
        let text = try String(contentsOfFile: scratchFile(name), encoding: .utf8)
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw SetupFailure("\(name) holds no pid: \(text)")
        }
        return pid
    }

    // MARK: - Git

    /// Runs git in the repository and returns stdout, trimmed; throws on a non-zero exit.
    @discardableResult
    package func git(_ arguments: String...) async throws -> String {
        try await git(arguments)
    }

    @discardableResult
    package func git(_ arguments: [String], in directory: String? = nil) async throws -> String {
        let result = try await ProcessRunner.capture(["git"] + arguments, in: directory ?? path)
        guard result.exitCode == 0 else {
            throw SetupFailure("git \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Commits on `loop/<task>` that `main` does not have.
    package func taskCommits(task: String? = nil) async throws -> Int {
        Int(try await git("rev-list", "--count", "main..loop/\(task ?? taskID)")) ?? -1
    }
}
