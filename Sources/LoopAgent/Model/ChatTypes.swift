public import LoopCore

/// One message of a chat with a model.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable, Codable {
        case system
        case user
        case assistant
        case tool
    }

    public var role: Role
    public var content: String
    /// Tool calls the assistant made (native tool-calling mode).
    public var toolCalls: [ToolCall]
    /// For `role == .tool`: the id of the call this answers (OpenAI) and the tool's name (Ollama).
    public var toolCallID: String?
    public var toolName: String?

    public init(role: Role, content: String, toolCalls: [ToolCall] = [], toolCallID: String? = nil, toolName: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.toolName = toolName
    }
}

/// A call of one tool with its arguments, as the model asked for it.
public struct ToolCall: Sendable, Equatable {
    /// Call id where the API has one (OpenAI); generated otherwise.
    public var id: String
    public var name: String
    /// The arguments object (already parsed from the JSON string OpenAI sends).
    public var arguments: JSONValue

    public init(id: String, name: String, arguments: JSONValue) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// A tool the model may call: name, description and a JSON schema for its arguments.
public struct ToolSpec: Sendable, Equatable {
    public var name: String
    public var description: String
    public var parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// What one request asks of the model.
public struct ChatRequest: Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    /// Native tools (nil = none).
    public var tools: [ToolSpec]?
    /// Constrain the reply to this JSON schema (Ollama `format`, OpenAI `response_format: json_schema`).
    public var responseSchema: JSONValue?
    public var temperature: Double?
    public var seed: Int?
    /// Longest reply in tokens (Ollama `num_predict`, OpenAI `max_tokens`).
    public var maxTokens: Int?
    /// Context window to ask for (Ollama `num_ctx`, always sent there).
    public var contextLength: Int?
    /// How long the server keeps the model loaded (Ollama `keep_alive`, e.g. "30m").
    public var keepAlive: String?
    public var stream: Bool

    public init(
        model: String, messages: [ChatMessage], tools: [ToolSpec]? = nil, responseSchema: JSONValue? = nil,
        temperature: Double? = nil, seed: Int? = nil, maxTokens: Int? = nil, contextLength: Int? = nil,
        keepAlive: String? = nil, stream: Bool = true
    ) {
        self.model = model
        self.messages = messages
        self.tools = tools
        self.responseSchema = responseSchema
        self.temperature = temperature
        self.seed = seed
        self.maxTokens = maxTokens
        self.contextLength = contextLength
        self.keepAlive = keepAlive
        self.stream = stream
    }
}

/// Tokens and timings the server reported for one call.
public struct ModelUsage: Sendable, Equatable, Codable {
    public var promptTokens: Int
    /// Prompt tokens served from the server's cache, where it says so.
    public var cachedPromptTokens: Int?
    public var completionTokens: Int

    public init(promptTokens: Int = 0, cachedPromptTokens: Int? = nil, completionTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.cachedPromptTokens = cachedPromptTokens
        self.completionTokens = completionTokens
    }
}

/// The model's answer to one request.
public struct ChatResponse: Sendable, Equatable {
    public var content: String
    public var toolCalls: [ToolCall]
    /// `stop`, `length`, `tool_calls`, ... as the server said.
    public var finishReason: String?
    public var usage: ModelUsage
    /// Seconds from sending the request to the first streamed token (nil when not streamed).
    public var timeToFirstToken: Double?
    /// Seconds for the whole call.
    public var wallTime: Double
    public var model: String

    public init(
        content: String, toolCalls: [ToolCall] = [], finishReason: String? = nil, usage: ModelUsage = ModelUsage(),
        timeToFirstToken: Double? = nil, wallTime: Double = 0, model: String = ""
    ) {
        self.content = content
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.usage = usage
        self.timeToFirstToken = timeToFirstToken
        self.wallTime = wallTime
        self.model = model
    }
}

/// What the server says about a model.
public struct ModelInfo: Sendable, Equatable {
    public var name: String
    /// The model's maximum context length, when the server tells it.
    public var contextLength: Int?
    /// The server and model can emit native tool calls (Ollama `capabilities` has "tools").
    public var supportsTools: Bool?

    public init(name: String, contextLength: Int? = nil, supportsTools: Bool? = nil) {
        self.name = name
        self.contextLength = contextLength
        self.supportsTools = supportsTools
    }
}

/// A model server: Ollama's native API or an OpenAI-compatible one.
public protocol ChatModel: Sendable {
    /// A short name for logs and the usage ledger (`ollama`, `openai`).
    var provider: String { get }
    /// The server's base URL as configured (for messages).
    var endpoint: String { get }
    /// Sends one chat request; `onToken` gets streamed text as it arrives.
    func chat(_ request: ChatRequest, onToken: @escaping @Sendable (String) -> Void) async throws -> ChatResponse
    /// Model names the server has (also the health check).
    func listModels() async throws -> [String]
    /// Context length and capabilities of a model, as far as the server tells.
    func modelInfo(_ name: String) async throws -> ModelInfo
}
