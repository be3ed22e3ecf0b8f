import Foundation

/// `batch.json`: the batch PM's record of a batch — which tasks, in which order, and where each
/// stands. Written by the batch PM only, at every change of a task's status, so `loop status`
/// can show the batch and `loop run --resume` continue it after a kill.
///
/// Each task runs as its own `loop run` with its files in `batch/<task_id>/` (see `BusPaths`);
/// this file holds only what the batch PM decides and what it read back from the task's outcome.
package struct BatchState: Codable, BusDocument, Sendable, Equatable {
    /// Where a task of the batch stands.
    package enum Status: String, Codable, Sendable, CaseIterable {
        /// Waiting for its dependencies or for a free slot.
        case pending
        /// Its `loop run` is running.
        case running
        case approved
        /// Its run failed (agent, report or verify infrastructure, or it could not start).
        case failed
        /// Its run used its budget (rounds, tokens, cost, time) without an approval.
        case exhausted
        /// Never started: a task it depends on was not approved.
        case blocked
        /// Stopped by a signal or a usage-limit pause; `loop run --resume` continues it.
        case interrupted

        /// A status `--resume` leaves as it is.
        package var isFinal: Bool { self == .approved || self == .exhausted }
        /// A status that blocks the tasks depending on it (for this batch run).
        package var blocksDependents: Bool { self == .failed || self == .exhausted || self == .blocked }
    }

    /// One task of the batch.
    package struct Entry: Codable, Sendable, Equatable {
        package var taskID: String
        /// The card as given (absolute path).
        package var cardPath: String
        /// Ids of the tasks of this batch it waits for.
        package var dependsOn: [String]
        package var status: Status = .pending
        package var runID: String?
        /// Rounds the task's run used (its last round).
        package var rounds: Int?
        package var exitCode: Int32?
        /// Why it did not end approved (its outcome's reason, or the blocking dependency).
        package var reason: String?
        package var branch: String?
        package var headSHA: String?
        package var mergeCommand: String?
        /// Tokens its agents spent in this run (from `usage.jsonl`).
        package var tokens: Int?
        package var durationS: Double?
        package var startedAt: String?
        package var finishedAt: String?

        package init(taskID: String, cardPath: String, dependsOn: [String]) {
            self.taskID = taskID
            self.cardPath = cardPath
            self.dependsOn = dependsOn
        }

        enum CodingKeys: String, CodingKey {
            case status, rounds, reason, branch, tokens
            case taskID = "task_id"
            case cardPath = "card_path"
            case dependsOn = "depends_on"
            case runID = "run_id"
            case exitCode = "exit_code"
            case headSHA = "head_sha"
            case mergeCommand = "merge_command"
            case durationS = "duration_s"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
        }
    }

    package var schemaVersion: Int = 1
    package var batchID: String
    /// How many tasks run at the same time (`--parallel`).
    package var parallel: Int
    /// The `loop run` options given as flags when the batch started, by config key; every task's
    /// run gets them, and `--resume` reuses them (flags given then win).
    package var flags: [String: JSONValue]
    /// Tasks in start order (dependencies before dependents, otherwise as given).
    package var tasks: [Entry]
    package var startedAt: String
    package var updatedAt: String
    /// Set once no task is pending, running or interrupted.
    package var finishedAt: String?
    /// The batch's exit code once finished (see `BatchSummary.exitCode`).
    package var exitCode: Int32?

    package init(batchID: String, parallel: Int, flags: [String: JSONValue], tasks: [Entry]) {
        self.batchID = batchID
        self.parallel = parallel
        self.flags = flags
        self.tasks = tasks
        startedAt = Timestamp.now()
        updatedAt = startedAt
    }

    enum CodingKeys: String, CodingKey {
        case parallel, flags, tasks
        case schemaVersion = "schema_version"
        case batchID = "batch_id"
        case startedAt = "started_at"
        case updatedAt = "updated_at"
        case finishedAt = "finished_at"
        case exitCode = "exit_code"
    }

    package subscript(task id: String) -> Entry? {
        tasks.first { $0.taskID == id }
    }

    /// Loads `batch.json`; nil when there is none.
    package static func load(from path: String) throws -> BatchState? {
        guard Filesystem.exists(path) else { return nil }
        let data = try Filesystem.read(path)
        do {
            return try JSONDecoder().decode(BatchState.self, from: data)
        } catch let error as DecodingError {
            throw LoopError.invalidJSON(
                path: path,
                detail: "batch.json cannot be read (\(FieldReader.describe(error, data: data))). "
                    + "Move it away to start a new batch.")
        }
    }

    /// Saves with a fresh `updated_at`.
    package mutating func save(to path: String) throws {
        updatedAt = Timestamp.now()
        try write(to: path)
    }
}
