import Foundation
import LoopCore

/// The fixed texts of the worker's conversation.
enum WorkerPrompts {
    static func system(mode: ToolMode, tools: [ToolSpec], brief: TaskBrief = TaskBrief(goal: "", acceptanceCriteria: [], fixes: [])) -> String {
        let format: String
        if mode == .native {
            format = "Act by calling exactly one tool per reply."
        } else {
            format = """
                Reply with exactly ONE JSON object and nothing else: {"tool": "<name>", "args": {...}}.
                The tools, one example each:
                \(ActionSchema.examples(for: tools, file: brief.exampleFile, command: brief.verify.first ?? "bash test.sh"))
                """
        }
        return """
            You are a careful coding agent working in a git repository. You change files only through the tools.
            \(format)
            Rules: paths are relative to the project root. Read a file before you edit it, unless its content is shown
            below. edit_file replaces one exact piece of text: copy the search text from the file. Run the project's
            tests with run (for example `bash test.sh`). Do not use git: the PM commits your changes.
            When the goal is met and the tests pass, call finish with a short summary of what you changed.
            The report file is written for you when you call finish; do not write it yourself.
            """
    }

    static func correction(_ reason: String, tools: [ToolSpec]) -> String {
        let example = tools.first(where: { $0.name == "read_file" }).map { _ in #"{"tool": "read_file", "args": {"path": "README.md"}}"# }
            ?? #"{"tool": "finish", "args": {"summary": "..."}}"#
        return "That reply was not a valid action: \(reason). Reply with exactly one JSON object, for example \(example)"
    }

    /// After a reply that degenerated into repetition and was cut.
    static func runawayCorrection(tools: [ToolSpec]) -> String {
        "Your last reply repeated itself and was cut. Reply with ONE short JSON action, for example "
            + #"{"tool": "read_file", "args": {"path": "README.md"}}"#
    }

    /// The action as JSON, as the assistant's turn in JSON mode (stable text keeps the prefix cacheable).
    static func canonical(_ call: ToolCall) -> String {
        "{\"tool\": \"\(call.name)\", \"args\": \(compact(call.arguments))}"
    }

    /// Arguments as the model should write them (`path` before `content`, `search` before `replace`).
    static func compact(_ value: JSONValue) -> String {
        WireJSON.text(value)
    }
}
