import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

/// A scripted server, a temp repository and a real worker (real client, tools and sandbox)
/// wired together for one test. `cleanUp` removes the repository and stops the server.
struct WorkerHarness {
    let wire: ModelWire
    let server: ScriptedHTTPServer
    let workspace: AgentWorkspace
    let output = AgentOutput()

    static let task = "Change the greeting in greeting.txt to 'hello loop' and make `bash test.sh` pass."
    static let brief = TaskBrief(
        goal: "The greeting says hello loop.",
        acceptanceCriteria: ["greeting.txt contains 'hello loop'", "bash test.sh exits 0"],
        fixes: ["greeting.txt: still says world → say loop"])

    init(_ wire: ModelWire) async throws {
        self.wire = wire
        server = try ScriptedHTTPServer()
        workspace = try await AgentWorkspace.make()
    }

    func cleanUp() {
        server.stop()
        workspace.cleanUp()
    }

    func enqueue(_ responses: ScriptedHTTPServer.Response...) {
        for response in responses { server.enqueue(response) }
    }

    /// The worker on this server and repository.
    func worker(mode: ToolMode = .json, limits: AgentLimits = AgentLimits()) async throws -> WorkerAgent {
        let context = workspace.context()
        return WorkerAgent(
            model: wire.client(server), modelName: wire.modelName, tools: try await workspace.toolBox(limits: limits),
            mode: mode, limits: limits, context: context, brief: Self.brief,
            ledger: AgentLedger(context: context, backend: wire.rawValue, model: wire.modelName), output: output.sink)
    }

    /// Runs the worker on `task`.
    func run(
        mode: ToolMode = .json, limits: AgentLimits = AgentLimits(), task: String = WorkerHarness.task
    ) async throws -> WorkerAgent.Outcome {
        try await worker(mode: mode, limits: limits).run(task: task)
    }

    /// The chat requests the worker sent, in order.
    var chats: [ScriptedHTTPServer.Request] { wire.chats(server) }

    /// Runs the worker expecting it to throw `AgentFailure`.
    func failure(
        mode: ToolMode = .json, limits: AgentLimits = AgentLimits(), task: String = WorkerHarness.task,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> AgentFailure? {
        do {
            let outcome = try await run(mode: mode, limits: limits, task: task)
            Issue.record("expected AgentFailure, got \(outcome)", sourceLocation: sourceLocation)
            return nil
        } catch let failure as AgentFailure {
            return failure
        }
    }
}
