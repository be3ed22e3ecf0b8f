import Foundation

/// What a round needs that does not change during it.
package struct RoundContext: Sendable {
    package var paths: BusPaths
    package var card: TaskCard
    package var dispatcher: any AgentDispatcher
    package var templates: PromptTemplates
    /// The user's repository top folder (for AGENTS.md and role files).
    package var repository: String
    package var console: Console

    package init(
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
