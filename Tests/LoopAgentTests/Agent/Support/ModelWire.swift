import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

/// One of the two server dialects, with the scripted replies a test needs in it.
///
/// Replies are streamed the way the real servers stream them (OpenAI SSE with a usage chunk,
/// Ollama NDJSON with a `done` line); an action's JSON is split across two chunks.
enum ModelWire: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case openAI
    case ollama

    var testDescription: String { rawValue }

    /// The path chat requests go to.
    var chatPath: String { self == .openAI ? "/v1/chat/completions" : "/api/chat" }

    var modelName: String { self == .openAI ? OpenAI.model : Ollama.model }

    /// The real client for `server`, wrapped in retries as `ModelServer` wraps it.
    func client(_ server: ScriptedHTTPServer) -> any ChatModel {
        let base: any ChatModel =
            switch self {
            case .openAI: OpenAIClient(baseURL: server.baseURL.appending(path: "v1"), timeouts: fastTimeouts)
            case .ollama: OllamaClient(baseURL: server.baseURL, timeouts: fastTimeouts)
            }
        return RetryingChatModel(base, policy: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(10)))
    }

    /// A JSON-mode action as the reply text: `{"tool": name, "args": {...}}`.
    func action(_ tool: String, _ args: [String: Any], usage: Usage = Usage()) -> ScriptedHTTPServer.Response {
        text(json(["tool": tool, "args": args]), usage: usage)
    }

    /// A plain text reply (what a server that ignores the schema sends).
    func text(_ content: String, usage: Usage = Usage()) -> ScriptedHTTPServer.Response {
        let cut = content.index(content.startIndex, offsetBy: content.count / 2)
        let parts = [String(content[..<cut]), String(content[cut...])]
        switch self {
        case .openAI:
            return .sse(
                [OpenAI.role()] + parts.map(OpenAI.content) + [
                    OpenAI.finish("stop"),
                    OpenAI.usage(prompt: usage.prompt, completion: usage.completion, cached: usage.cached),
                ], path: chatPath)
        case .ollama:
            return .ndjson(
                parts.map { Ollama.chunk($0) } + [Ollama.done(prompt: usage.prompt, completion: usage.completion)],
                path: chatPath)
        }
    }

    /// A native tool call. OpenAI: id and name in the first chunk, the arguments split over
    /// two more; Ollama: one complete `tool_calls` object.
    func toolCall(id: String, _ name: String, _ args: [String: Any], usage: Usage = Usage())
        -> ScriptedHTTPServer.Response
    {
        switch self {
        case .openAI:
            let arguments = json(args)
            let cut = arguments.index(arguments.startIndex, offsetBy: arguments.count / 2)
            return .sse(
                [
                    OpenAI.toolStart(index: 0, id: id, name: name),
                    OpenAI.toolArguments(index: 0, String(arguments[..<cut])),
                    OpenAI.toolArguments(index: 0, String(arguments[cut...])),
                    OpenAI.finish("tool_calls"),
                    OpenAI.usage(prompt: usage.prompt, completion: usage.completion, cached: usage.cached),
                ], path: chatPath)
        case .ollama:
            return .ndjson(
                [
                    Ollama.toolCalls([(name: name, arguments: args)]),
                    Ollama.done(prompt: usage.prompt, completion: usage.completion),
                ], path: chatPath)
        }
    }

    /// The chat requests `server` received, in order.
    func chats(_ server: ScriptedHTTPServer) -> [ScriptedHTTPServer.Request] {
        server.requests.filter { $0.path == chatPath }
    }
}

/// Token counts a scripted reply reports. Prompt counts stay under 64 by default so the
/// agent's token estimator keeps its starting calibration (3 bytes a token).
struct Usage: Sendable {
    var prompt = 40
    var completion = 12
    var cached: Int?
}

extension ScriptedHTTPServer.Request {
    /// The `messages` of a chat request.
    var messages: [[String: Any]] { object["messages"] as? [[String: Any]] ?? [] }

    /// The body up to (not including) the `]` that closes `messages`: what a later request of
    /// an append-only conversation must repeat byte for byte.
    var bodyThroughMessages: Data? {
        let bytes = Array(body)
        let key = Array(#""messages":["#.utf8)
        guard bytes.count > key.count,
            let start = (0...(bytes.count - key.count)).first(where: { Array(bytes[$0..<($0 + key.count)]) == key })
        else { return nil }
        var depth = 0
        var inString = false
        var escaped = false
        for index in (start + key.count - 1)..<bytes.count {
            let byte = bytes[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 { return Data(bytes[..<index]) }
            default: break
            }
        }
        return nil
    }
}

/// Lines the agent printed (its `output` callback).
final class AgentOutput: Sendable {
    private let log = TokenLog()
    var text: String { log.all.joined() }
    var sink: @Sendable (String) -> Void { { [log] in log.append($0) } }
}
