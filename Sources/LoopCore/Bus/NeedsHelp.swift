import Foundation

/// `needs_help.json`: written by the PM when a run stops because its rounds made no progress.
/// It asks a person one concrete question — what fails, what was tried — and `loop status`
/// shows it. The next run (or `--resume`) archives it.
package struct NeedsHelp: Codable, BusDocument, Sendable, Equatable {
    /// A verify command that still fails, with the end of its output.
    package struct Failing: Codable, Sendable, Equatable {
        package var command: String
        package var exitCode: Int32?
        package var outputTail: String

        enum CodingKeys: String, CodingKey {
            case command
            case exitCode = "exit_code"
            case outputTail = "output_tail"
        }

        package init(command: String, exitCode: Int32?, outputTail: String) {
            self.command = command
            self.exitCode = exitCode
            self.outputTail = outputTail
        }
    }

    package var schemaVersion: Int = 1
    package var taskID: String
    package var runID: String
    package var round: Int
    /// `no_progress`.
    package var reason: String
    package var question: String
    package var failing: [Failing]
    /// One line per round: what was changed and what the worker said or got stuck on.
    package var tried: [String]
    package var createdAt: String

    enum CodingKeys: String, CodingKey {
        case round, reason, question, failing, tried
        case schemaVersion = "schema_version"
        case taskID = "task_id"
        case runID = "run_id"
        case createdAt = "created_at"
    }

    package init(
        taskID: String, runID: String, round: Int, reason: String, question: String, failing: [Failing],
        tried: [String]
    ) {
        self.taskID = taskID
        self.runID = runID
        self.round = round
        self.reason = reason
        self.question = question
        self.failing = failing
        self.tried = tried
        createdAt = Timestamp.now()
    }

    package static func load(_ path: String) -> NeedsHelp? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(NeedsHelp.self, from: data)
    }
}
