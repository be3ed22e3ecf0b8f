package import LoopCore

/// One message of a chat with a model.
package struct ChatMessage: Sendable, Equatable {
    package enum Role: String, Sendable, Codable {
        case system
        case user
        case assistant
        case tool
    }

    package var role: Role
    package var content: String
    /// Tool calls the assistant made (native tool-calling mode).
    package var toolCalls: [ToolCall]
    /// For `role == .tool`: the id of the call this answers (OpenAI) and the tool's name (Ollama).
    package var toolCallID: String?
    package var toolName: String?

    package init(role: Role, content: String, toolCalls: [ToolCall] = [], toolCallID: String? = nil, toolName: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.toolName = toolName
    }
}

/// A call of one tool with its arguments, as the model asked for it.
package struct ToolCall: Sendable, Equatable {
    /// Call id where the API has one (OpenAI); generated otherwise.
    package var id: String
    package var name: String
    /// The arguments object (already parsed from the JSON string OpenAI sends).
    package var arguments: JSONValue

    package init(id: String, name: String, arguments: JSONValue) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// A tool the model may call: name, description and a JSON schema for its arguments.
package struct ToolSpec: Sendable, Equatable {
    package var name: String
    package var description: String
    package var parameters: JSONValue

    package init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// What one request asks of the model.
package struct ChatRequest: Sendable, Equatable {
    package var model: String
    package var messages: [ChatMessage]
    /// Native tools (nil = none).
    package var tools: [ToolSpec]?
    /// Constrain the reply to this JSON schema (Ollama `format`, OpenAI `response_format: json_schema`).
    package var responseSchema: JSONValue?
    package var temperature: Double?
    package var seed: Int?
    /// Longest reply in tokens (Ollama `num_predict`, OpenAI `max_tokens`).
    package var maxTokens: Int?
    /// Context window to ask for (Ollama `num_ctx`, always sent there).
    package var contextLength: Int?
    /// How long the server keeps the model loaded (Ollama `keep_alive`, e.g. "30m").
    package var keepAlive: String?
    package var stream: Bool

    package init(
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
package struct ModelUsage: Sendable, Equatable, Codable {
    package var promptTokens: Int
    /// Prompt tokens served from the server's cache, where it says so.
    package var cachedPromptTokens: Int?
    package var completionTokens: Int

    package init(promptTokens: Int = 0, cachedPromptTokens: Int? = nil, completionTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.cachedPromptTokens = cachedPromptTokens
        self.completionTokens = completionTokens
    }
}

/// The model's answer to one request.
package struct ChatResponse: Sendable, Equatable {
    package var content: String
    package var toolCalls: [ToolCall]
    /// `stop`, `length`, `tool_calls`, ... as the server said.
    package var finishReason: String?
    package var usage: ModelUsage
    /// Seconds from sending the request to the first streamed token (nil when not streamed).
    package var timeToFirstToken: Double?
    /// Seconds for the whole call.
    package var wallTime: Double
    package var model: String

    package init(
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
package struct ModelInfo: Sendable, Equatable {
    package var name: String
    /// The model's maximum context length, when the server tells it.
    package var contextLength: Int?
    /// The server and model can emit native tool calls (Ollama `capabilities` has "tools").
    package var supportsTools: Bool?

    package init(name: String, contextLength: Int? = nil, supportsTools: Bool? = nil) {
        self.name = name
        self.contextLength = contextLength
        self.supportsTools = supportsTools
    }
}

/// A model server: Ollama's native API or an OpenAI-compatible one.
package protocol ChatModel: Sendable {
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
