import Foundation

extension TaskCard {
    /// loop-kit's task-level `depends_on` / `dependencies` (both accepted and merged, in card
    /// order, without repeats): the ids of the tasks that must be approved before this one starts.
    ///
    /// Ids are the cards' own `task_id` texts; a batch looks them up in `.loop/tasks/`
    /// (`TaskCardLocator`). Validated when the card is read (`dependencyProblems`).
    package var dependencies: [String] {
        var ids: [String] = []
        for field in ["depends_on", "dependencies"] {
            for id in Self.dependencyIDs(raw[field]) where !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    /// A single string is read as a one-item list, as loop-kit's `_as_str_list` does.
    private static func dependencyIDs(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let text): return text.isEmpty ? [] : [text]
        case .array(let items): return items.compactMap(\.stringValue)
        default: return []
        }
    }

    /// loop-kit's rules: a list of non-empty strings that pass the task-id check, and never the
    /// card's own id.
    static func dependencyProblems(_ reader: FieldReader) -> [LoopError] {
        var problems: [LoopError] = []
        let ownID = reader.object["task_id"]?.stringValue
        for field in ["depends_on", "dependencies"] {
            guard let value = reader.object[field], value != .null else { continue }
            let items: [JSONValue]
            switch value {
            case .string: items = [value]
            case .array(let list): items = list
            default:
                problems.append(
                    LoopError.invalidField(
                        path: reader.path, field: field,
                        expected: "must be a list of task ids like [\"T-0\"] (got \(value.typeName))"))
                continue
            }
            for item in items {
                guard let id = item.stringValue, !id.isEmpty, isLoopKitTaskID(id) else {
                    problems.append(
                        LoopError.invalidField(
                            path: reader.path, field: field,
                            expected:
                                "must list task ids: non-empty text without '..', '/' or '\\' (got \(item.stringValue.map { "\"\($0)\"" } ?? item.typeName))"
                        ))
                    continue
                }
                if id == ownID {
                    problems.append(
                        LoopError.invalidField(
                            path: reader.path, field: field,
                            expected: "must not name the card's own task_id \"\(id)\" (a task cannot wait for itself)"))
                }
            }
        }
        return problems
    }
}
