import LoopCore

extension ToolBox {
    /// The tools as the model sees them: short names, one-line descriptions a small model
    /// can follow, and small JSON schemas with `required`.
    package static var specs: [ToolSpec] {
        // Read and edit first: the order a small model reads them in is the order it reaches for them.
        [
            ToolSpec(
                name: "read_file",
                description: "Read a text file; lines are numbered. For long files pass start_line and end_line.",
                parameters: schema(
                    [
                        ("path", "File path relative to the project root."),
                        ("start_line", "integer:First line to show (1-based). Optional."),
                        ("end_line", "integer:Last line to show. Optional."),
                    ], required: ["path"])),
            ToolSpec(
                name: "edit_file",
                description:
                    "Replace one piece of text in a file. search must be copied exactly from the file and match only once.",
                parameters: schema(
                    [
                        ("path", "File path relative to the project root."),
                        ("search", "The exact current text, with enough surrounding lines to be unique."),
                        ("replace", "The new text that replaces it."),
                    ], required: ["path", "search", "replace"])),
            ToolSpec(
                name: "write_file", description: "Create a file, or replace a whole file, with the given content.",
                parameters: schema(
                    [
                        ("path", "File path relative to the project root."),
                        ("content", "The complete new content of the file."),
                    ], required: ["path", "content"])),
            ToolSpec(
                name: "list_dir", description: "List the files and folders in a project folder (folders end with /).",
                parameters: schema([("path", "Folder relative to the project root. Default: the root.")], required: [])),
            ToolSpec(
                name: "search",
                description: "Search project files with a regular expression. Prints file:line: text for each match.",
                parameters: schema(
                    [
                        ("pattern", "Regular expression, e.g. 'func parse' or 'TODO|FIXME'."),
                        ("path", "File or folder to search in. Default: the whole project."),
                    ], required: ["pattern"])),
            ToolSpec(
                name: "run",
                description:
                    "Run a shell command in the project root to test your change (time-limited, no network). Not for git: the PM commits.",
                parameters: schema(
                    [("command", "The shell command, e.g. 'bash test.sh' or 'python3 -m pytest -q'.")], required: ["command"])),
            ToolSpec(
                name: "finish",
                description: "Call once when the task is done: summarise what you changed and how you checked it.",
                parameters: schema([("summary", "What you changed and how you verified it.")], required: ["summary"])),
        ]
    }

    /// A JSON-schema object; a description starting with `integer:` makes the property an integer.
    private static func schema(_ properties: [(String, String)], required: [String]) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for (name, text) in properties {
            let isInteger = text.hasPrefix("integer:")
            object[name] = .object([
                "type": .string(isInteger ? "integer" : "string"),
                "description": .string(isInteger ? String(text.dropFirst("integer:".count)) : text),
            ])
        }
        return .object([
            "type": .string("object"),
            "properties": .object(object),
            "required": .array(required.map { .string($0) }),
        ])
    }
}
