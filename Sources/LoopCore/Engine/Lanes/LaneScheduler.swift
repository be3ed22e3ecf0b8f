import Foundation

/// Runs lane jobs (lane workers, lane reviews) at most `limit` at once.
///
/// A job that fails does not cut its running siblings short: their agents' work is kept and
/// recorded, so `--resume` does not pay for it twice. No new job starts after a failure, and
/// the first failure is thrown once the running jobs have ended. Cancellation (SIGINT) still
/// reaches every running job at once.
enum LaneScheduler {
    static func run<Job: Sendable>(
        _ jobs: [Job], limit: Int, _ work: @escaping @Sendable (Job) async throws -> Void
    ) async throws {
        let failure = await withTaskGroup(of: (any Error)?.self) { group -> (any Error)? in
            var next = 0
            var failure: (any Error)?
            while next < min(max(1, limit), jobs.count) {
                let job = jobs[next]
                group.addTask { await Self.attempt(job, work) }
                next += 1
            }
            while let ended = await group.next() {
                if let error = ended, failure == nil || (failure is CancellationError && !(error is CancellationError)) {
                    failure = error
                }
                guard failure == nil, next < jobs.count else { continue }
                let job = jobs[next]
                group.addTask { await Self.attempt(job, work) }
                next += 1
            }
            return failure
        }
        if let failure { throw failure }
    }

    private static func attempt<Job: Sendable>(_ job: Job, _ work: @Sendable (Job) async throws -> Void) async
        -> (any Error)?
    {
        do {
            try await work(job)
            return nil
        } catch {
            return error
        }
    }
}
