import Foundation

/// One lane worker's dispatch, as a Sendable value a task group can run beside others: its
/// dispatch loop reports to the shared `LaneBook`, and it returns the lane's valid report.
struct LaneJob: Sendable {
    var lane: CardLane
    var target: DispatchTarget
    /// The lane branch's starting point (for a report the PM makes from git).
    var baseSHA: String
    var previousAttempts: Int
    var inputs: PromptInputs
    var context: RoundContext
    var options: RunOptions
    var taskID: String
    var runID: String
    var round: Int
    var events: EventLog
    var archive: Archive

    func run(book: LaneBook) async throws -> WorkReport {
        let loop = DispatchLoop<WorkReport>(
            target: target, context: context, options: options, taskID: taskID, runID: runID, round: round,
            events: events, archive: archive, observer: book, previousAttempts: previousAttempts)
        let builder = PromptBuilder(templates: context.templates, repository: context.repository)
        let inputs = inputs
        let target = target
        let taskID = taskID
        let round = round
        return try await loop.run(
            prompt: { id in
                var dispatchInputs = inputs
                dispatchInputs.runID = id
                return builder.prompt(for: .worker, dispatchInputs)
            },
            check: { id in
                ReportReader.checkWork(
                    target.reportPath, expecting: ReportIdentity(taskID: taskID, round: round, runID: id))
            },
            synthesis: DispatchLoop.Synthesis(
                make: { result, id in try await madeByPM(result, dispatchID: id) },
                workdirUnchanged: { await workdirUnchanged() }))
    }

    /// The lane report the PM writes for backends that write none: facts from the lane's git.
    private func madeByPM(_ result: DispatchResult, dispatchID: String) async throws -> WorkReport {
        let git = Git(directory: target.workdir)
        let head = await git.head() ?? ""
        var files = (try? await git.changedFiles(from: baseSHA, to: head)) ?? []
        files += (try? await git.changedPaths()) ?? []
        let notes = Verifier.bounded(result.finalMessage ?? result.outputTail, keep: 2000)
        var report = WorkReport(
            taskID: taskID, round: round, runID: dispatchID, headSHA: head, filesChanged: Array(Set(files)).sorted(),
            notes: notes, tests: [], madeByPM: true, backend: target.backend)
        report.unknownFields["lane_id"] = .string(lane.laneID)
        try report.write(to: target.reportPath)
        return report
    }

    private func workdirUnchanged() async -> Bool {
        let git = Git(directory: target.workdir)
        guard let head = await git.head(), head == baseSHA, let dirty = try? await git.changedPaths() else {
            return false
        }
        return dirty.isEmpty
    }
}
