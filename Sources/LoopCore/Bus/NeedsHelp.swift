import Foundation

/// `needs_help.json`: written by the PM when a run stops because its rounds made no progress.
/// It asks a person one concrete question — what fails, what was tried — and `loop status`
/// shows it. The next run (or `--resume`) archives it.
public struct NeedsHelp: Codable, BusDocument, Sendable, Equatable {
    /// A verify command that still fails, with the end of its output.
    public struct Failing: Codable, Sendable, Equatable {
        public var command: String
        public var exitCode: Int32?
        public var outputTail: String

        enum CodingKeys: String, CodingKey {
            case command
            case exitCode = "exit_code"
            case outputTail = "output_tail"
        }

        public init(command: String, exitCode: Int32?, outputTail: String) {
            self.command = command
            self.exitCode = exitCode
            self.outputTail = outputTail
        }
    }

    public var schemaVersion: Int = 1
    public var taskID: String
    public var runID: String
    public var round: Int
    /// `no_progress`.
    public var reason: String
    public var question: String
    public var failing: [Failing]
    /// One line per round: what was changed and what the worker said or got stuck on.
    public var tried: [String]
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case round, reason, question, failing, tried
        case schemaVersion = "schema_version"
        case taskID = "task_id"
        case runID = "run_id"
        case createdAt = "created_at"
    }

    public init(
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

    public static func load(_ path: String) -> NeedsHelp? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(NeedsHelp.self, from: data)
    }
}
