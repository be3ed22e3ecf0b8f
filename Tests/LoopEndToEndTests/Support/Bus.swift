import Foundation

/// Reads the bus the way a script or CI job would: as plain JSON, by the documented key names.
struct Bus {
    let root: String

    init(_ repo: TestRepo) { root = repo.loopDir }

    init(root: String) { self.root = root }

    func path(_ name: String) -> String { name.hasPrefix("/") ? name : "\(root)/\(name)" }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    /// A JSON object file.
    func object(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestFailure("\(name) is not a JSON object")
        }
        return object
    }

    var state: [String: Any] { get throws { try object("state.json") } }
    var outcome: [String: Any] { get throws { try object("outcome.json") } }

    /// The rounds recorded in state.json.
    var rounds: [[String: Any]] { get throws { try state["rounds"] as? [[String: Any]] ?? [] } }

    /// Each line of events.jsonl, parsed.
    var events: [[String: Any]] {
        get throws {
            try text("events.jsonl").split(separator: "\n").map { line in
                guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    throw TestFailure("events.jsonl line is not an object: \(line)")
                }
                return object
            }
        }
    }

    /// Names of the events recorded, in order.
    var eventNames: [String] { get throws { try events.compactMap { $0["event"] as? String } } }

    /// `archive/<task>/`: one folder per run id.
    func archivedRuns(task: String = "T-1") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/archive/\(task)")) ?? []).sorted()
    }

    /// The archive folder of one run.
    func archive(run: String, task: String = "T-1") -> String { "\(root)/archive/\(task)/\(run)" }

    /// Files under `folder` (recursively), relative to it, sorted.
    func files(under folder: String) -> [String] {
        let base = path(folder)
        guard let enumerator = FileManager.default.enumerator(atPath: base) else { return [] }
        var found: [String] = []
        while let item = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(base)/\(item)", isDirectory: &isDirectory), !isDirectory.boolValue {
                found.append(item)
            }
        }
        return found.sorted()
    }

    /// Temp files of atomic writes (`.<name>.tmp-*`) left on the bus, worktrees aside.
    func tempFiles() -> [String] {
        files(under: root).filter { $0.contains(".tmp-") && !$0.hasPrefix("worktrees/") }
    }

    /// Every `.json` and `.jsonl` file on the bus (archive included) that does not parse.
    func tornFiles() -> [String] {
        files(under: root).filter { $0.hasSuffix(".json") || $0.hasSuffix(".jsonl") }
            .filter { !$0.hasPrefix("worktrees/") }
            .filter { relative in
                guard let data = FileManager.default.contents(atPath: "\(root)/\(relative)") else { return true }
                if relative.hasSuffix(".jsonl") {
                    return data.split(separator: UInt8(ascii: "\n")).contains { line in
                        (try? JSONSerialization.jsonObject(with: Data(line))) == nil
                    }
                }
                return (try? JSONSerialization.jsonObject(with: data)) == nil
            }
    }
}
