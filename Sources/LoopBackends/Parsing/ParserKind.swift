import Foundation

/// The output formats `loop` can read, by the name used in `parser:` in config.yaml.
enum ParserKind: String, CaseIterable, Sendable {
    case text
    case codex
    case claude
    case opencode
    case gemini
    case aider
    /// The built-in agent (`loop agent`): its `loop-agent: …` stderr line is the error.
    case loopAgent = "loop-agent"

    /// A fresh parser for one dispatch.
    func makeParser() -> any OutputParser {
        switch self {
        case .text: TextParser()
        case .codex: CodexParser()
        case .claude: ClaudeParser()
        case .opencode: OpenCodeParser()
        case .gemini: GeminiParser()
        case .aider: AiderParser()
        case .loopAgent: LoopAgentParser()
        }
    }

    /// The valid names, for error messages.
    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
