import Foundation

/// `events.jsonl`: one line per transition, append-only, for `status --watch` and tools.
///
/// It is also where notifications start: an event a person should hear about (see
/// `Notifier.kind(of:)`) runs the `notify:` command of `config.yaml`, next to the log.
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
        let line = Event(event: event, taskID: taskID, runID: runID, round: round, fields: fields)
        do {
            try line.append(to: path)
        } catch {
            FileHandle.standardError.write(
                Data("loop: could not record event \(event): \(error.localizedDescription)\n".utf8))
        }
        if let kind = Notifier.kind(of: line) { notify(kind, line) }
    }

    /// Runs the `notify:` command for `event`, if one is configured. A failure is a warning and
    /// a `notify_failed` event, never an error of the run.
    private func notify(_ kind: String, _ event: Event) {
        let busDirectory = (path as NSString).deletingLastPathComponent
        let problem: String?
        do {
            guard let notifier = try Notifier.load(configPath: "\(busDirectory)/\(BusPaths.config)") else { return }
            problem = notifier.send(NotifyPayload(kind: kind, event: event), busDirectory: busDirectory)
        } catch let error as Notifier.ConfigProblem {
            problem = error.message
        } catch {
            problem = "\(error)"
        }
        guard let problem else { return }
        Console().warn("notify (\(kind)) failed: \(problem)")
        record("notify_failed", round: event.round, ["notify_event": .string(kind), "reason": .string(problem)])
    }
}
