import Foundation

/// Finds task cards in `.loop/tasks/` by id, as loop-kit does: `{id}_*.json`, `{id}-*.json`,
/// `{id}.json`, then a scan of every card for its `task_id`. More than one card for an id is an
/// error (which one the user meant cannot be guessed).
///
/// A file matched by name counts only when its `task_id` is the id (`T-1.json` is not a card
/// of task `T`), so ids that prefix each other never mix.
package struct TaskCardLocator: Sendable {
    /// The cards folder (`BusPaths.tasks`).
    package let folder: String

    package init(folder: String) {
        self.folder = folder
    }

    /// Every `*.json` file of the folder, sorted by name (absolute paths).
    package func cardFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().map { "\(folder)/\($0)" }
    }

    /// The card file for `id`, nil when there is none.
    /// - Throws: `LoopError.config` when more than one card claims the id.
    package func find(_ id: String) throws -> String? {
        let files = cardFiles()
        let byName = files.filter { path in
            let name = (path as NSString).lastPathComponent
            return name == "\(id).json" || name.hasPrefix("\(id)_") || name.hasPrefix("\(id)-")
        }
        let named = byName.filter { Self.cardTaskID($0) == id }
        let matches = named.isEmpty ? files.filter { Self.cardTaskID($0) == id } : named
        guard matches.count <= 1 else {
            let names = matches.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
            throw LoopError.config(
                "More than one card in \(folder) is task \(id) (\(names)); keep one, or give each its own task_id.")
        }
        return matches.first
    }

    /// Whether the card says `"status": "done"`, loop-kit's marker of a finished task.
    package static func isMarkedDone(_ path: String) -> Bool {
        object(path)?["status"]?.stringValue == "done"
    }

    private static func object(_ path: String) -> [String: JSONValue]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return (try? JSONDecoder().decode(JSONValue.self, from: data))?.objectValue
    }

    /// The `task_id` a card file gives, as loop-kit reads it; nil when the file is not a card.
    static func cardTaskID(_ path: String) -> String? {
        guard let object = object(path) else { return nil }
        switch object["task_id"] {
        case .string(let text): return text
        case .number(let number) where number.rounded() == number: return String(Int(number))
        default: return nil
        }
    }
}
