import Foundation

/// `events.jsonl`: one line per transition, append-only, for `status --watch` and tools.
package struct EventLog: Sendable {
    package let path: String
    package let taskID: String
    package let runID: String

    package init(path: String, taskID: String, runID: String) {
        self.path = path
        self.taskID = taskID
        self.runID = runID
    }

    /// Appends `{"ts","event","task_id","run_id",...fields}` (an `Event`). Never fails the run:
    /// an event that cannot be written is reported on stderr and dropped.
    package func record(_ event: String, round: Int? = nil, _ fields: [String: JSONValue] = [:]) {
        do {
            try Event(event: event, taskID: taskID, runID: runID, round: round, fields: fields).append(to: path)
        } catch {
            FileHandle.standardError.write(
                Data("loop: could not record event \(event): \(error.localizedDescription)\n".utf8))
        }
    }
}
