import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

/// `--tool-mode auto`: one probe request per server and model decides native tool calls or
/// JSON actions, and the decision is remembered in the bus's `run/model-capabilities.json`.
@Suite("Tool-mode probe", .serialized, .timeLimit(.minutes(2)))
struct ToolModeProbeTests {
    private func resolve(_ harness: WorkerHarness, info: ModelInfo? = nil) async -> ToolMode {
        let context = harness.workspace.context()
        return await ToolModeProbe.resolve(
            .auto, provider: "openai", model: harness.wire.client(harness.server), modelName: "m", info: info,
            cache: harness.workspace.bus + "/run/model-capabilities.json",
            ledger: AgentLedger(context: context, backend: "openai", model: "m"))
    }

    private func capabilities(_ workspace: AgentWorkspace) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: workspace.bus + "/run/model-capabilities.json") else {
            return [:]
        }
        return (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
    }

    @Test(
        "`loop agent` in auto mode: a tool-call answer to the probe means native, remembered, so a second run does not probe"
    )
    func probeNativeThroughTheProcess() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let arguments = ["--provider", "openai", "--model", "m"]
        let environment = ["OPENAI_BASE_URL": harness.server.baseURL.absoluteString + "/v1"]
        harness.enqueue(
            ScriptedHTTPServer.Response.props(contextLength: 8192).repeating, .openAICompletion(tool: "ping"),
            ModelWire.openAI.toolCall(id: "call_f", "finish", ["summary": "first run"]))

        let first = try await AgentProcess.run(
            arguments, role: .worker, workspace: harness.workspace, prompt: "Say done.", environment: environment)

        #expect(first.exitCode == 0, "stderr: \(first.stderr)")
        #expect(first.stdout.contains("tool mode: native"))
        let firstChats = harness.chats
        try #require(firstChats.count == 2)
        #expect(firstChats[0].isProbe && firstChats[0].object["stream"] as? Bool == false)
        #expect(!firstChats[1].isProbe && (firstChats[1].object["tools"] as? [Any])?.count == ToolBox.names.count)
        let remembered = capabilities(harness.workspace)
        #expect(remembered.count == 1)
        #expect(remembered.first?.key.hasPrefix("openai|http://127.0.0.1:\(harness.server.port)/v1|m") == true)
        #expect(remembered.first?.value == "native")
        #expect(
            AgentProcess.usage(harness.workspace).first?["step"]?.intValue == 0, "the probe's tokens are counted too")

        try FileManager.default.removeItem(atPath: harness.workspace.context().reportPath)
        harness.enqueue(ModelWire.openAI.toolCall(id: "call_g", "finish", ["summary": "second run"]))
        let second = try await AgentProcess.run(
            arguments, role: .worker, workspace: harness.workspace, prompt: "Say done.", environment: environment)

        #expect(second.exitCode == 0, "stderr: \(second.stderr)")
        let secondChats = harness.chats.dropFirst(firstChats.count)
        #expect(secondChats.count == 1)
        #expect(!secondChats.contains { $0.isProbe }, "the remembered decision is used")
        #expect((secondChats.first?.object["tools"] as? [Any])?.count == ToolBox.names.count)
        #expect(FileManager.default.fileExists(atPath: harness.workspace.context().reportPath))
    }

    @Test("a text answer to the probe means JSON actions, and that is remembered too")
    func probeText() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(.openAICompletion(tool: nil, text: "pong"))

        let mode = await resolve(harness)

        #expect(mode == .json)
        let probe = try #require(harness.chats.first)
        #expect(harness.chats.count == 1 && probe.isProbe)
        #expect(probe.object["stream"] as? Bool == false)
        #expect(capabilities(harness.workspace).values.sorted() == ["json"])
        #expect(await resolve(harness) == .json)
        #expect(harness.chats.count == 1, "the second resolve reads the file")
    }

    @Test("a server that says whether the model has tools (Ollama capabilities) is not probed")
    func knownCapabilities() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        #expect(await resolve(harness, info: ModelInfo(name: "m", supportsTools: true)) == .native)
        #expect(harness.chats.isEmpty)
    }

    @Test(
        "a probe that fails (server error, timeout) decides nothing for later runs"
    )
    func failedProbeIsNotRemembered() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        let unavailable = ScriptedHTTPServer.Response.json(
            OpenAI.error("model is loading", type: "server_error", code: 503), status: 503)
        // Two 503s use up the client's two attempts; then the server is healthy.
        harness.enqueue(unavailable, unavailable, .openAICompletion(tool: "ping"))

        #expect(await resolve(harness) == .json, "this run falls back to JSON actions")
        #expect(capabilities(harness.workspace).isEmpty, "got \(capabilities(harness.workspace))")
        #expect(await resolve(harness) == .native, "the next run probes again and finds tool calls")
    }
}
