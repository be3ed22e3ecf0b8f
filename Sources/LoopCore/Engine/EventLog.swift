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

    /// Appends `{"ts","event","task_id","run_id",...fields}` (an `Event`). Never fails the run:
    /// an event that cannot be written is reported on stderr and dropped.
    public func record(_ event: String, round: Int? = nil, _ fields: [String: JSONValue] = [:]) {
        do {
            try Event(event: event, taskID: taskID, runID: runID, round: round, fields: fields).append(to: path)
        } catch {
            FileHandle.standardError.write(
                Data("loop: could not record event \(event): \(error.localizedDescription)\n".utf8))
        }
    }
}
