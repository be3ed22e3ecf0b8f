import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// A run of the round engine in this process: a real temporary git repository (the engine
/// commits the worker's changes), a `.loop` bus with a task card, and a `FakeDispatcher`
/// playing the agents. No `loop` binary, no agent CLI.
final class EngineHarness {
    let temp: TempDir
    let repository: String
    let paths: BusPaths
    let dispatcher: FakeDispatcher
    var options: RunOptions

    /// - Parameters:
    ///   - verify: the task card's verify commands (run without bubblewrap, in the worktree).
    ///   - worker, reviewer: the fake agents' turns, in order.
    init(verify: [String] = [], maxRounds: Int = 3, worker: [FakeTurn], reviewer: [FakeTurn] = []) throws {
        temp = try TempDir()
        repository = temp.path + "/repo"
        try FileManager.default.createDirectory(atPath: repository, withIntermediateDirectories: true)
        paths = BusPaths(loopDir: repository + "/.loop", cwd: repository)
        dispatcher = FakeDispatcher(worker: worker, reviewer: reviewer)
        try Self.git(["init", "-q", "-b", "main"], in: repository)
        try Self.git(["config", "user.name", "Loop Test"], in: repository)
        try Self.git(["config", "user.email", "loop@example.invalid"], in: repository)
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: repository + "/README.md"))
        try Data(".loop/\n".utf8).write(to: URL(fileURLWithPath: repository + "/.gitignore"))
        try Self.git(["add", "-A"], in: repository)
        try Self.git(["commit", "-q", "-m", "init"], in: repository)
        let card: [String: Any] = ["task_id": "t1", "goal": "make the change", "verify": verify]
        try FileManager.default.createDirectory(atPath: paths.root, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: card).write(to: URL(fileURLWithPath: paths.taskCard))
        options = RunOptions()
        options.autoDispatch = true
        options.workerBackend = "fake"
        options.reviewerBackend = "fake"
        options.maxRounds = maxRounds
        options.maxRoundsExplicit = true
        options.unsafeVerify = true
        options.artifactTimeout = 1
        options.dispatchRetries = 0
        options.dispatchRetryBaseSec = 1
        options.waitOnLimit = false
    }

    static var templates: PromptTemplates {
        PromptTemplates(
            worker: EmbeddedTemplates.workerPrompt, reviewer: EmbeddedTemplates.reviewerPrompt,
            agentsFallback: EmbeddedTemplates.agentsFallback, codeWriterRole: EmbeddedTemplates.codeWriterRole,
            reviewerRole: EmbeddedTemplates.reviewerRole)
    }

    var console: Console { Console(isQuiet: true) }

    /// `loop run --single-round` in process: starts (or with `resume`, continues) the run and
    /// runs one round of it.
    @discardableResult
    func runController(resume: Bool = false) async throws -> LoopExitCode {
        let request = RunRequest(
            loopDir: paths.root, taskPath: nil, options: options, explicitKeys: [], resume: resume, singleRound: true,
            repository: repository)
        let controller = RunController(
            request: request, dispatcher: dispatcher, templates: Self.templates, console: console,
            executable: "/nonexistent/loop")
        // The bus lock is an flock, and a process another test forks in parallel holds a copy
        // of our descriptors until it execs: a lock just released can look held for a moment.
        for _ in 0..<50 {
            do {
                return try await controller.run()
            } catch LoopError.locked {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        return try await controller.run()
    }

    /// One round of the run in `state.json`, by a fresh engine (as a round subprocess does).
    @discardableResult
    func runRound() async throws -> LoopExitCode {
        let state = try #require(try RunState.load(from: paths.state))
        let card = try TaskCard.load(from: state.cardSnapshot(paths))
        let context = RoundContext(
            paths: paths, card: card, dispatcher: dispatcher, templates: Self.templates, repository: repository,
            console: console)
        return await RoundEngine(context: context, state: state).run(interruptedBy: { nil })
    }

    /// Starts the run and runs rounds until it ends (at most `limit` rounds).
    @discardableResult
    func runToEnd(limit: Int = 8) async throws -> RunState {
        try await runController()
        for _ in 0..<limit where !(try state.phase.isTerminal) {
            try await runRound()
        }
        return try state
    }

    var state: RunState {
        get throws { try #require(try RunState.load(from: paths.state)) }
    }

    /// The fix list on the bus, as text.
    var fixListText: String {
        (try? String(contentsOfFile: paths.fixList, encoding: .utf8)) ?? ""
    }

    /// Rewrites fields of `state.json` as a PM that crashed at that point would have left them.
    func editState(_ change: (inout [String: Any]) -> Void) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: paths.state))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        change(&object)
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(
            to: URL(fileURLWithPath: paths.state))
    }

    @discardableResult
    static func git(_ arguments: [String], in directory: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
