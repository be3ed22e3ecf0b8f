import Foundation

/// Reads a bus the way a script or CI job would: as plain JSON, by the documented key names;
/// and lists what is wrong with it after a crash (torn files, temp files, stray run ids).
package struct Bus {
    /// Absolute path of the bus folder.
    package let root: String
    package let taskID: String

    package init(_ repo: TestRepo) { self.init(root: repo.loopDir, taskID: repo.taskID) }

    package init(root: String, taskID: String = "T-1") {
        self.root = root
        self.taskID = taskID
    }

    package func path(_ name: String) -> String { name.hasPrefix("/") ? name : "\(root)/\(name)" }

    package func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    package func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    /// A JSON object file.
    package func object(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SetupFailure("\(name) is not a JSON object")
        }
        return object
    }

    package var state: [String: Any] { get throws { try object("state.json") } }
    package var outcome: [String: Any] { get throws { try object("outcome.json") } }
    /// `state.json`'s phase, nil when there is no readable state.
    package var phase: String? { (try? state)?["phase"] as? String }
    /// `state.json`'s run id, nil when there is no readable state.
    package var runID: String? { (try? state)?["run_id"] as? String }

    /// The rounds recorded in state.json.
    package var rounds: [[String: Any]] { get throws { try state["rounds"] as? [[String: Any]] ?? [] } }

    /// Each line of events.jsonl, parsed: none when there is no such file, an error when a
    /// line is not a JSON object.
    package var events: [[String: Any]] {
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

    /// Names of the events recorded, in order.
    package var eventNames: [String] { get throws { try events.compactMap { $0["event"] as? String } } }

    // MARK: - Archive

    /// `archive/<task>/`: one folder per run id.
    package func archivedRuns() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/archive/\(taskID)")) ?? []).sorted()
    }

    /// The archive folder of one run (absolute).
    package func archiveFolder(run: String) -> String { "\(root)/archive/\(taskID)/\(run)" }

    /// Files in the archive folder of one run, relative to it.
    package func archivedFiles(run: String) -> [String] { files(under: archiveFolder(run: run)) }

    // MARK: - Audit

    /// Files under `folder` (recursively; the bus root by default), relative to it, sorted.
    /// `worktrees/` is skipped: the agents' checkouts are not bus files.
    package func files(under folder: String = "") -> [String] {
        let base = folder.isEmpty ? root : path(folder)
        guard let enumerator = FileManager.default.enumerator(atPath: base) else { return [] }
        var found: [String] = []
        while let item = enumerator.nextObject() as? String {
            if item.hasPrefix("worktrees") {
                enumerator.skipDescendants()
                continue
            }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(base)/\(item)", isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                found.append(item)
            }
        }
        return found.sorted()
    }

    /// `.json` / `.jsonl` files (archive included) that do not parse, or have a line that does not.
    package func tornFiles() -> [String] {
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
    package func tempLeftovers() -> [String] {
        files().filter { relative in
            let name = (relative as NSString).lastPathComponent
            return name.contains(".tmp-") || name.hasPrefix(".write-probe-")
        }
    }

    /// Problems with `events.jsonl`: unparsable lines, lines without a run id, run ids other
    /// than `expectedRunIDs`.
    package func eventProblems(expectedRunIDs: Set<String>) -> [String] {
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
