import Foundation

/// Reads a bus the way a script or CI job would — plain JSON by documented key names — and
/// lists what is wrong with it after a crash.
struct BusAudit {
    /// Absolute path of the bus folder.
    let root: String
    let taskID: String

    init(_ root: String, taskID: String = "T-1") {
        self.root = root
        self.taskID = taskID
    }

    func path(_ name: String) -> String { name.hasPrefix("/") ? name : "\(root)/\(name)" }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    func object(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SetupFailure("\(name) is not a JSON object")
        }
        return object
    }

    var state: [String: Any] { get throws { try object("state.json") } }
    var outcome: [String: Any] { get throws { try object("outcome.json") } }
    var phase: String? { (try? state)?["phase"] as? String }
    var runID: String? { (try? state)?["run_id"] as? String }

    /// Each line of events.jsonl, parsed (a line that does not parse is an error).
    var events: [[String: Any]] {
        get throws {
            guard exists("events.jsonl") else { return [] }
            return try text("events.jsonl").split(separator: "\n").map { line in
                guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    throw SetupFailure("events.jsonl line is not an object: \(line)")
                }
                return object
            }
        }
    }

    var eventNames: [String] { ((try? events) ?? []).compactMap { $0["event"] as? String } }

    /// Every file under `folder` (recursively), relative to it, sorted. `worktrees/` is skipped.
    func files(under folder: String = "") -> [String] {
        let base = folder.isEmpty ? root : path(folder)
        guard let enumerator = FileManager.default.enumerator(atPath: base) else { return [] }
        var found: [String] = []
        while let item = enumerator.nextObject() as? String {
            if item.hasPrefix("worktrees") { enumerator.skipDescendants(); continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(base)/\(item)", isDirectory: &isDirectory), !isDirectory.boolValue {
                found.append(item)
            }
        }
        return found.sorted()
    }

    /// `.json` / `.jsonl` files (archive included) that do not parse, or have a line that does not.
    func tornFiles() -> [String] {
        files().filter { $0.hasSuffix(".json") || $0.hasSuffix(".jsonl") }.filter { relative in
            guard let data = FileManager.default.contents(atPath: "\(root)/\(relative)") else { return true }
            if relative.hasSuffix(".jsonl") {
                return data.split(separator: UInt8(ascii: "\n")).contains { line in
                    (try? JSONSerialization.jsonObject(with: Data(line))) == nil
                }
            }
            return (try? JSONSerialization.jsonObject(with: data)) == nil
        }
    }

    /// Temp files of the PM's atomic writes (`.<name>.tmp-<pid>-<n>`) and write probes left behind.
    func tempLeftovers() -> [String] {
        files().filter { relative in
            let name = (relative as NSString).lastPathComponent
            return name.contains(".tmp-") || name.hasPrefix(".write-probe-")
        }
    }

    /// Files in `archive/<task>/<run>/`, relative to it.
    func archive(run: String) -> [String] { files(under: "archive/\(taskID)/\(run)") }

    /// Problems with `events.jsonl`: unparsable lines, lines without a run id, several run ids.
    func eventProblems(expectedRunIDs: Set<String>) -> [String] {
        guard let all = try? events else { return ["events.jsonl has a line that does not parse"] }
        var problems: [String] = []
        let ids = Set(all.compactMap { $0["run_id"] as? String })
        if all.contains(where: { ($0["run_id"] as? String)?.isEmpty ?? true }) {
            problems.append("an event has no run_id")
        }
        if !ids.isSubset(of: expectedRunIDs) {
            problems.append("events name run ids \(ids.sorted()) but the runs were \(expectedRunIDs.sorted())")
        }
        if all.contains(where: { $0["event"] as? String == nil || $0["ts"] as? String == nil }) {
            problems.append("an event lacks `event` or `ts`")
        }
        return problems
    }
}
