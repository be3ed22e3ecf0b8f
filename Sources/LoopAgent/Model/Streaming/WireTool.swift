import Foundation
import LoopCore

extension ToolSpec {
    /// The tool as both wire formats declare it in `tools`:
    /// `{"type": "function", "function": {name, description, parameters}}` — OpenAI's shape,
    /// which Ollama's `/api/chat` takes as it is.
    var wireFunction: JSONValue {
        .object([
            "type": .string("function"),
            "function": .object([
                "name": .string(name),
                "description": .string(description),
                "parameters": parameters,
            ]),
        ])
    }
}
