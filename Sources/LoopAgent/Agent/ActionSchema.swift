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
                    "args": bounded(tool.parameters),
                ]),
                "required": .array([.string("tool"), .string("args")]),
            ])
        }
        return .object(["anyOf": .array(variants)])
    }

    /// Short-answer strings get a `maxLength`, so a grammar-constrained small model cannot
    /// run away inside a path or a command until the reply budget ends; file contents and edit
    /// texts stay unbounded (the reply budget bounds them).
    static func bounded(_ parameters: JSONValue) -> JSONValue {
        guard case .object(var object) = parameters, case .object(var properties) = object["properties"] ?? .null else {
            return parameters
        }
        for (name, property) in properties {
            guard case .object(var schema) = property, schema["type"] == .string("string"), schema["maxLength"] == nil,
                let limit = shortLimits[name]
            else { continue }
            schema["maxLength"] = .number(Double(limit))
            properties[name] = .object(schema)
        }
        object["properties"] = .object(properties)
        return .object(object)
    }

    static let shortLimits = ["path": 200, "pattern": 200, "command": 400, "summary": 1200]

    /// One example line per tool, for the system prompt (small models copy examples well).
    public static func examples(for tools: [ToolSpec]) -> String {
        tools.map { tool in
            let required = tool.parameters["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let args = required.map { "\"\($0)\": \"...\"" }.joined(separator: ", ")
            return "{\"tool\": \"\(tool.name)\", \"args\": {\(args)}}  — \(tool.description)"
        }.joined(separator: "\n")
    }
}
