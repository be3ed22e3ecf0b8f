import Foundation
import LoopCore
import Testing

@testable import LoopAgent

/// A throwaway git repository for the worker to act on, plus a bus folder beside it.
///
/// The repository holds `greeting.txt` ("hello world") and `test.sh`, which passes only once
/// the greeting says "hello loop": a test run that passes proves the edit reached the disk
/// the sandbox sees. Removed by `cleanUp`.
struct AgentWorkspace {
    let base: String
    /// The git work tree (`LOOP_WORKDIR`).
    let root: String
    /// The bus folder (`LOOP_BUS_DIR`).
    let bus: String

    static let greeting = "hello world\n"
    static let testScript = "grep -q 'hello loop' greeting.txt && echo 'greeting ok'\n"

    static func make() async throws -> AgentWorkspace {
        let raw = NSTemporaryDirectory() + "loop-agent-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: raw + "/repo", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: raw + "/bus", withIntermediateDirectories: true)
        let base = FileProbe.realPath(raw) ?? raw
        let workspace = AgentWorkspace(base: base, root: base + "/repo", bus: base + "/bus")
        try workspace.write("greeting.txt", greeting)
        try workspace.write("test.sh", testScript)
        try await workspace.git(["init", "-q", "-b", "main"])
        try await workspace.git(["add", "-A"])
        try await workspace.git([
            "-c", "user.name=Loop Test", "-c", "user.email=test@loop.invalid", "commit", "-q", "-m", "init",
        ])
        return workspace
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: base)
    }

    func write(_ relative: String, _ text: String) throws {
        try text.write(toFile: root + "/" + relative, atomically: false, encoding: .utf8)
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
    }

    @discardableResult
    func git(_ arguments: [String]) async throws -> String {
        let result = try await ProcessRunner.capture(["git"] + arguments, in: root)
        guard result.exitCode == 0 else {
            Issue.record("git \(arguments.joined(separator: " ")) failed: \(result.stderr)")
            return ""
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The dispatch identity the tests use.
    func context(role: Role = .worker) -> AgentContext {
        AgentContext(
            role: role, taskID: "T-7", round: 2, runID: "run42.r2.\(role.rawValue)1", workdir: root,
            reportPath: bus + "/" + role.reportFileName, busDir: bus, promptFile: base + "/prompt.md")
    }

    /// The real tool box on this repository, shell in bubblewrap.
    func toolBox(limits: AgentLimits = AgentLimits()) async throws -> ToolBox {
        let workspace = try Workspace(root: root)
        let configuration = ShellSandbox.Configuration(timeout: .seconds(20), killGrace: .milliseconds(500))
        let availability = await ShellSandbox.sharedAvailability(configuration)
        guard case .sandboxed = availability else {
            Issue.record("bubblewrap must work here (apt-get install bubblewrap): \(availability.message)")
            throw AgentTestError("no sandbox")
        }
        let shell = ShellSandbox(workspace: workspace, configuration: configuration, availability: availability)
        return ToolBox(workspace: workspace, shell: shell, limits: ToolLimits(outputBytes: limits.toolOutputBytes))
    }
}

extension ShellSandbox {
    private static let detected = Locked<Availability?>(nil)

    /// `detect`, once per test process (each probe starts a sandbox).
    static func sharedAvailability(_ configuration: Configuration) async -> Availability {
        if let known = detected.value { return known }
        let availability = await detect(configuration: configuration)
        detected.set(availability)
        return availability
    }
}

struct AgentTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
