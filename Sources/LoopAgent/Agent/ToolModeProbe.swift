import Foundation
import LoopCore

/// Decides native tool calls or JSON actions for a model, probing once and remembering.
///
/// Ollama says whether a model has tool support (`/api/show` capabilities); an
/// OpenAI-compatible server does not, so one tiny request with a `ping` tool tells whether
/// the model answers with a tool call. The answer is kept per server and model in the bus's
/// `run/model-capabilities.json`.
enum ToolModeProbe {
    static func resolve(
        _ requested: ToolMode, provider: String, model: any ChatModel, modelName: String, info: ModelInfo?,
        cache: String, ledger: AgentLedger
    ) async -> ToolMode {
        guard requested == .auto else { return requested }
        let key = "\(provider)|\(model.endpoint)|\(modelName)"
        var known = load(cache)
        if let remembered = known[key], let mode = ToolMode(rawValue: remembered) { return mode }
        let mode: ToolMode
        if let supports = info?.supportsTools {
            mode = supports ? .native : .json
        } else if let probed = await probe(model: model, modelName: modelName, ledger: ledger) {
            mode = probed
        } else {
            return .json  // The probe itself failed: JSON for this run, and ask again next time.
        }
        known[key] = mode.rawValue
        if let data = try? JSONEncoder.bus.encode(known) { try? AtomicFile.write(data, to: cache, durable: false) }
        return mode
    }

    /// The mode the model's answer shows, or nil when the request failed (nothing learned).
    private static func probe(model: any ChatModel, modelName: String, ledger: AgentLedger) async -> ToolMode? {
        let ping = ToolSpec(
            name: "ping", description: "Answer the ping.",
            parameters: .object(["type": .string("object"), "properties": .object([:])]))
        let request = ChatRequest(
            model: modelName, messages: [ChatMessage(role: .user, content: "Call the ping tool now.")], tools: [ping],
            temperature: 0, seed: 7, maxTokens: 48, contextLength: 2048, keepAlive: "30m", stream: false)
        guard let response = try? await model.chat(request, onToken: { _ in }) else { return nil }
        ledger.record(response, step: 0)
        return response.toolCalls.contains { $0.name == "ping" } ? .native : .json
    }

    private static func load(_ path: String) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path),
            let value = try? JSONDecoder().decode([String: String].self, from: data)
        else { return [:] }
        return value
    }
}
