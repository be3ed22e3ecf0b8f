import Foundation

/// `events.jsonl`: one line per transition, append-only, for `status --watch` and tools.
public struct EventLog: Sendable {
    public let path: String
    public let taskID: String
    public let runID: String

    public init(path: String, taskID: String, runID: String) {
        self.path = path
        self.taskID = taskID
        self.runID = runID
    }

    /// Appends `{"ts","event","task_id","run_id",...fields}`. Never fails the run: an event
    /// that cannot be written is reported on stderr and dropped.
    public func record(_ event: String, round: Int? = nil, _ fields: [String: JSONValue] = [:]) {
        var object = fields
        object["ts"] = .string(Timestamp.now())
        object["event"] = .string(event)
        object["task_id"] = .string(taskID)
        object["run_id"] = .string(runID)
        if let round { object["round"] = .number(Double(round)) }
        do {
            let data = try JSONEncoder.line.encode(JSONValue.object(object))
            try AtomicFile.appendLine(String(decoding: data, as: UTF8.self), to: path)
        } catch {
            FileHandle.standardError.write(
                Data("loop: could not record event \(event): \(error.localizedDescription)\n".utf8))
        }
    }
}
