import Foundation
package import LoopCore

/// One task in full (`GET /api/tasks/{id}`): its row, every round the state records (dispatches,
/// verify evidence, decisions, lanes), the lanes of its latest lane round, budgets and how to
/// merge it.
package struct TaskDetail: Codable, Sendable {
    package var summary: TaskSummary
    package var baseSHA: String?
    package var workdir: String?
    package var startedAt: String?
    package var finishedAt: String?
    package var lastDecision: String?
    package var stoppedIn: String?
    /// `state.json`'s `rounds[]`, as the PM wrote them.
    package var rounds: [RoundRecord]
    package var lanes: [LaneStatus]?
    /// Verify evidence on the untouched base, before round 1.
    package var baselineVerify: [VerifyEvidence]?

    enum CodingKeys: String, CodingKey {
        case summary, workdir, rounds, lanes
        case baseSHA = "base_sha"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case lastDecision = "last_decision"
        case stoppedIn = "stopped_in"
        case baselineVerify = "baseline_verify"
    }

    package init(_ location: TaskLocation) {
        summary = TaskSummary(location)
        let state = location.state
        baseSHA = state?.baseSHA
        workdir = state?.workdir
        startedAt = state?.startedAt ?? location.batchEntry?.startedAt
        finishedAt = state?.finishedAt ?? location.batchEntry?.finishedAt
        lastDecision = state?.lastDecision
        stoppedIn = state?.stoppedIn?.rawValue
        rounds = state?.rounds ?? []
        lanes = state.flatMap(LaneStatus.read)
        baselineVerify = state?.baselineVerify
    }
}

/// What the bus holds now (`GET /api/runs`): the single run, the last batch, and the runs in
/// the archive.
package struct RunsOverview: Codable, Sendable {
    package struct Batch: Codable, Sendable {
        package var batchID: String
        package var parallel: Int
        package var startedAt: String
        package var finishedAt: String?
        package var exitCode: Int32?
        package var tasks: [String]

        enum CodingKeys: String, CodingKey {
            case parallel, tasks
            case batchID = "batch_id"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
            case exitCode = "exit_code"
        }
    }

    package var schemaVersion = 1
    /// The bus folder, as given to `loop-serve`.
    package var bus: String
    package var repository: String
    /// The single run's task (`state.json` in the bus folder), when there is one.
    package var run: TaskSummary?
    package var batch: Batch?
    package var archived: [ArchiveIndex.RunEntry]
    /// Whether `POST /api/control/<action>` is on (`--allow-control`).
    package var control: Bool

    enum CodingKeys: String, CodingKey {
        case bus, repository, run, batch, archived, control
        case schemaVersion = "schema_version"
    }

    package init(_ paths: BusPaths, control: Bool) {
        self.control = control
        bus = paths.shared
        repository = paths.repository
        run = (try? RunState.load(from: paths.state)).flatMap { $0 }.map {
            TaskSummary(TaskLocation(taskID: $0.taskID, source: .run, paths: paths, state: $0, batchEntry: nil))
        }
        batch = (try? BatchState.load(from: paths.batch)).flatMap { $0 }.map {
            Batch(
                batchID: $0.batchID, parallel: $0.parallel, startedAt: $0.startedAt, finishedAt: $0.finishedAt,
                exitCode: $0.exitCode, tasks: $0.tasks.map(\.taskID))
        }
        archived = (try? ArchiveIndex(paths: paths).runs()) ?? []
    }
}
