public import LoopCore

/// The JSON schema a JSON-mode reply must follow: one action, `{"tool": ..., "args": {...}}`,
/// as a union over the tools so a grammar-constrained server can only emit valid shapes.
public enum ActionSchema {
    public static func schema(for tools: [ToolSpec]) -> JSONValue {
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

    /// One example line per tool, for the system prompt (small models copy examples well).
    public static func examples(for tools: [ToolSpec]) -> String {
        tools.map { tool in
            let required = tool.parameters["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let args = required.map { "\"\($0)\": \"...\"" }.joined(separator: ", ")
            return "{\"tool\": \"\(tool.name)\", \"args\": {\(args)}}  — \(tool.description)"
        }.joined(separator: "\n")
    }
}
