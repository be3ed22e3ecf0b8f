import Foundation

/// What a round needs that does not change during it.
public struct RoundContext: Sendable {
    public var paths: BusPaths
    public var card: TaskCard
    public var dispatcher: any AgentDispatcher
    public var templates: PromptTemplates
    /// The user's repository top folder (for AGENTS.md and role files).
    public var repository: String
    public var console: Console

    public init(
        paths: BusPaths, card: TaskCard, dispatcher: any AgentDispatcher, templates: PromptTemplates,
        repository: String, console: Console
    ) {
        self.paths = paths
        self.card = card
        self.dispatcher = dispatcher
        self.templates = templates
        self.repository = repository
        self.console = console
    }
}
