package import LoopCore

/// The JSON schema a JSON-mode reply must follow: one action, `{"tool": ..., "args": {...}}`,
/// as a union over the tools so a grammar-constrained server can only emit valid shapes.
package enum ActionSchema {
    package static func schema(for tools: [ToolSpec]) -> JSONValue {
        let variants: [JSONValue] = tools.map { tool in
            .object([
                "type": .string("object"),
                "properties": .object([
                    "tool": .object(["type": .string("string"), "enum": .array([.string(tool.name)])]),
                    "args": tool.parameters,
                ]),
                "required": .array([.string("tool"), .string("args")]),
            ])
        }
        return .object(["anyOf": .array(variants)])
    }

    /// One example line per tool, for the system prompt. Small models copy examples
    /// literally, so the examples use the task's own file and test command, never `"..."`.
    package static func examples(for tools: [ToolSpec], file: String = "README.md", command: String = "bash test.sh")
        -> String
    {
        let values = [
            "path": file, "search": "the exact old lines", "replace": "the new lines",
            "content": "the whole new content of the file", "command": command, "pattern": "def main",
            "summary": "what I changed and how I tested it",
        ]
        return tools.map { tool in
            let required = tool.parameters["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let args = WireJSON.orderedKeys(required).map { name in
                "\"\(name)\": \"\(values[name] ?? name)\""
            }.joined(separator: ", ")
            return "{\"tool\": \"\(tool.name)\", \"args\": {\(args)}}  — \(tool.description)"
        }.joined(separator: "\n")
    }
}
