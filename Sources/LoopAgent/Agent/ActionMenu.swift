import LoopCore

/// The tools a JSON-mode step may use: a small model is led through look → change → test →
/// finish by the schema itself, instead of being trusted to choose well from all seven.
///
/// Seen with SmolLM2-135M: with every tool allowed it lists folders, reads the same file and
/// runs the task id for a whole round without ever editing. A grammar-constrained server can
/// only produce the tools the schema lists, so the menu is enforced, not just suggested.
struct ActionMenu: Sendable, Equatable {
    /// The model has seen a file's content (in the prompt, or through `read_file`).
    var hasSeenContent = false
    /// An edit or write succeeded this turn.
    var hasChanged = false

    /// The tool names allowed at this point.
    var names: [String] {
        if hasChanged { return ["edit_file", "write_file", "run", "read_file", "finish"] }
        if hasSeenContent { return ["edit_file", "write_file", "read_file"] }
        return ["read_file", "list_dir", "search", "edit_file", "write_file"]
    }

    /// `specs` narrowed to the menu, in their usual order.
    func allowed(_ specs: [ToolSpec]) -> [ToolSpec] {
        specs.filter { names.contains($0.name) }
    }

    /// One line for the step's reminder saying what comes next.
    var nextStep: String {
        if hasChanged { return "NEXT: run the tests (run), fix what fails (edit_file), or call finish when they pass." }
        if hasSeenContent { return "NEXT: change the code now with edit_file or write_file." }
        return "NEXT: read the file you must change (read_file), then change it."
    }
}
