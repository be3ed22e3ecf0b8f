import Foundation

/// The worker phase of a card with lanes (loop-kit's `lanes`): per stage, each lane worker
/// runs in its own worktree on its own branch made from the task branch at the stage's start,
/// up to `max_parallel_workers` at once; the PM commits what each left, checks its owner paths
/// and merges the lane branches into the task branch in stage and id order, following the
/// card's conflict policy. The user's checkout is never touched.
///
/// Every lane event is saved in `state.json` (`RoundRecord.lanes`), so a killed PM resumes the
/// phase where it stood: merged lanes are not redone, reported lanes are merged, dispatched
/// lanes are checked for their report and dispatched again only without one.
extension RoundEngine {
    func laneWorkerPhase(_ settings: CardLanes) async throws -> WorkReport {
        guard state.mode == "worktree" else {
            throw LoopError.config(
                "The task card has lanes, which merge into a task branch, never into your checkout: run without --in-place."
            )
        }
        guard case .planned(let plan) = LanePlan.make(settings.lanes) else {
            throw LoopError.roundFailed("the card's lanes depend on each other in a cycle")
        }
        try await planLanes(plan)
        for (index, stage) in plan.stages.enumerated() {
            try await runStage(index, stage, settings: settings)
        }
        await removeLaneWorktrees(settings)
        return try await writeMergedReport(plan)
    }

    // MARK: - Plan

    private func planLanes(_ plan: LanePlan) async throws {
        guard state.currentRound.lanes == nil else { return }
        try Filesystem.createDirectory(paths.laneWorkReports)
        var records: [LaneRecord] = []
        for (index, stage) in plan.stages.enumerated() {
            for lane in stage {
                records.append(
                    LaneRecord(
                        laneID: lane.laneID, stage: index,
                        branch: BusPaths.laneBranch(
                            task: state.taskID, runID: state.runID, round: state.round, lane: lane.laneID),
                        worktree: paths.laneWorktree(
                            task: state.taskID, runID: state.runID, round: state.round, lane: lane.laneID),
                        backend: await laneBackend(lane)))
            }
        }
        var record = state.currentRound
        record.lanes = records
        state.currentRound = record
        try transition(
            "lanes_planned",
            [
                "stages": .array(plan.stages.map { .array($0.map { .string($0.laneID) }) }),
                "max_parallel_workers": .number(Double(options.maxParallelWorkers)),
            ])
        let stages = plan.stages.map { $0.map(\.laneID).joined(separator: " + ") }.joined(separator: " → ")
        console.info(
            "round \(state.round) · \(records.count) lane\(records.count == 1 ? "" : "s"): \(stages) · up to \(options.maxParallelWorkers) at once"
        )
    }

    /// The lane's `backend_preference` when it can run, else the worker backend (said once, here).
    private func laneBackend(_ lane: CardLane) async -> String {
        guard let preferred = lane.backendPreference, preferred != options.workerBackend, options.autoDispatch else {
            return options.workerBackend
        }
        let problems = await context.dispatcher.preflight(backend: preferred, role: .worker, options: options)
        guard problems.isEmpty else {
            // Said once per run: later rounds plan the same lanes with the same fallback.
            let saidBefore = state.rounds.contains { $0.round < state.round && $0.lanes != nil }
            if !saidBefore {
                console.warn(
                    "lane \(lane.laneID): backend_preference \(preferred) cannot run (\(problems.first ?? "")); using the worker backend \(options.workerBackend)"
                )
            }
            return options.workerBackend
        }
        return preferred
    }

    // MARK: - Stage

    private func runStage(_ index: Int, _ stage: [CardLane], settings: CardLanes) async throws {
        let git = LaneGit(taskWorkdir: state.workdir)
        guard let tip = await workdirGit.head() else {
            throw LoopError.roundFailed("cannot read HEAD of the task worktree \(state.workdir)")
        }
        // A lane whose merge conflicted (fail_fast) is merged again on --resume, from its
        // branch as it is now: a conflict resolved in its worktree or on its branch goes in.
        for lane in stage where laneRecord(lane.laneID)?.status == .conflict {
            try updateLane(lane.laneID, "lane_merge_retried", [:]) {
                $0.status = .reported
                $0.headSHA = nil
                $0.conflictFiles = nil
            }
        }
        for lane in stage {
            guard let record = laneRecord(lane.laneID), record.status == .pending || record.status == .working else {
                continue
            }
            let base = try await git.prepare(record, from: record.baseSHA ?? tip)
            if record.baseSHA == nil {
                try updateLane(lane.laneID, "lane_worktree_ready", ["base_sha": .string(base)]) { $0.baseSHA = base }
            }
        }
        // A dispatched lane whose report is already valid (the PM was killed while it waited) is reported.
        for lane in stage {
            guard let record = laneRecord(lane.laneID), record.status == .working, let dispatch = record.dispatch,
                case .valid = ReportReader.checkWork(
                    paths.laneWorkReport(lane.laneID), expecting: identity(dispatch.runID))
            else { continue }
            try updateLane(lane.laneID, "lane_reported", [:]) { $0.status = .reported }
        }
        try await dispatchLanes(
            stage.filter { lane in
                let status = laneRecord(lane.laneID)?.status
                return status == .pending || status == .working
            })
        var deferred: [CardLane] = []
        for lane in stage where laneRecord(lane.laneID)?.status == .reported {
            if try await integrate(lane, settings: settings, mayDefer: settings.conflictPolicy == .deferLane)
                == .deferred
            {
                deferred.append(lane)
            }
        }
        for lane in stage where laneRecord(lane.laneID)?.status == .deferred {
            _ = try await integrate(lane, settings: settings, mayDefer: false)
        }
        events.record("lane_stage_finished", round: state.round, ["stage": .number(Double(index))])
    }

    /// Runs the lanes' workers, up to `max_parallel_workers` at once; the state is kept by one
    /// `LaneBook` meanwhile and taken back when they have ended (or one failed).
    private func dispatchLanes(_ lanes: [CardLane]) async throws {
        guard !lanes.isEmpty else { return }
        let jobs = lanes.compactMap(laneJob)
        let book = LaneBook(state: state, paths: paths, events: events)
        do {
            try await LaneScheduler.run(jobs, limit: options.maxParallelWorkers) { job in
                try await book.finish(job.lane.laneID, with: job.run(book: book))
            }
        } catch {
            state = await book.state
            throw error
        }
        state = await book.state
    }

    private func laneJob(_ lane: CardLane) -> LaneJob? {
        guard let record = laneRecord(lane.laneID), let base = record.baseSHA else { return nil }
        let report = paths.laneWorkReport(lane.laneID)
        let target = DispatchTarget(
            role: .worker, laneID: lane.laneID, ownerPaths: lane.ownerPaths, backend: record.backend,
            model: options.model(for: .worker), workdir: record.worktree, reportPath: report,
            promptPath: paths.lanePrompt(lane.laneID),
            logPath: paths.laneLog(task: state.taskID, round: state.round, lane: lane.laneID),
            heartbeatPath: paths.laneHeartbeat(lane.laneID))
        var inputs = PromptInputs(
            card: context.card, round: state.round, runID: "", workdir: record.worktree, paths: paths,
            fixes: currentFixes(), history: historyLines(), baselineFailures: baselineFailures(),
            changeSummary: currentFixList()?.changeSummary)
        inputs.lane = LanePromptContext(
            laneID: lane.laneID, ownerPaths: lane.ownerPaths, dependsOn: lane.dependsOn,
            acceptanceChecks: lane.acceptanceChecks, reportPath: report)
        return LaneJob(
            lane: lane, target: target, baseSHA: base, previousAttempts: record.dispatch?.attempt ?? 0, inputs: inputs,
            context: context, options: options, taskID: state.taskID, runID: state.runID, round: state.round,
            events: events, archive: archive)
    }

    // MARK: - Merge

    private enum Integration { case merged, deferred, dropped }

    /// Commits what the lane worker left, checks its owner paths, and merges its branch into
    /// the task branch; a conflict follows the card's policy.
    private func integrate(_ lane: CardLane, settings: CardLanes, mayDefer: Bool) async throws -> Integration {
        let git = LaneGit(taskWorkdir: state.workdir)
        guard var record = laneRecord(lane.laneID), let base = record.baseSHA else {
            throw LoopError.roundFailed("lane \(lane.laneID) has no recorded worktree")
        }
        if record.headSHA == nil {
            let (head, secrets) = try await git.commitLeftovers(
                record, taskID: state.taskID, round: state.round, runID: state.runID)
            let files = try await Git(directory: record.worktree).changedFiles(from: base, to: head)
            let outside = files.filter { !lane.owns($0) }
            if !secrets.isEmpty {
                console.warn(
                    "lane \(lane.laneID): left uncommitted because they look like secrets: \(secrets.joined(separator: ", "))"
                )
            }
            let issue =
                outside.isEmpty
                ? nil
                : BlockingIssue(
                    severity: "high", file: outside.first ?? "",
                    reason:
                        "Lane \(lane.laneID) changed files outside its owner_paths (\(lane.ownerPaths.joined(separator: ", "))): \(outside.joined(separator: ", ")).",
                    requiredChange:
                        "Keep lane \(lane.laneID)'s changes inside its owner_paths: undo \(outside.joined(separator: ", ")) there, or give that path to the lane that owns it.",
                    source: "pm")
            if issue != nil {
                console.warn(
                    "round \(state.round) · lane \(lane.laneID) changed files outside its owner_paths: \(outside.joined(separator: ", "))"
                )
            }
            try updateLane(
                lane.laneID, "lane_committed",
                [
                    "head_sha": .string(head), "files_changed": .number(Double(files.count)),
                    "outside_owner_paths": .array(outside.map { .string($0) }),
                ], issue: issue
            ) {
                $0.headSHA = head
                $0.filesChanged = files
                $0.outsideOwnerPaths = outside
            }
            record = laneRecord(lane.laneID) ?? record
        }
        switch try await git.merge(record, round: state.round) {
        case .merged(let sha):
            try updateLane(lane.laneID, "lane_merged", ["merged_sha": .string(sha)]) {
                $0.status = .merged
                $0.mergedSHA = sha
            }
            console.info("round \(state.round) · lane \(lane.laneID) merged into \(state.branch) (\(sha.prefix(12)))")
            return .merged
        case .conflict(let files):
            let list = files.joined(separator: ", ")
            switch settings.conflictPolicy {
            case .failFast:
                try updateLane(lane.laneID, "lane_conflict", ["files": .array(files.map { .string($0) })]) {
                    $0.status = .conflict
                    $0.conflictFiles = files
                }
                let kept = (state.currentRound.lanes ?? []).map(\.branch).joined(separator: ", ")
                throw LoopError.roundFailed(
                    "lane \(lane.laneID) does not merge into \(state.branch): conflict in \(list) (lane_merge_conflict_policy fail_fast); "
                        + "the task branch is as before the merge and every lane branch is kept (\(kept)). "
                        + "Resolve it in \(paths.display(record.worktree)) and run `\(paths.command("run --resume"))` to merge it again")
            case .deferLane where mayDefer:
                try updateLane(lane.laneID, "lane_deferred", ["files": .array(files.map { .string($0) })]) {
                    $0.status = .deferred
                    $0.conflictFiles = files
                }
                console.warn(
                    "round \(state.round) · lane \(lane.laneID) conflicts in \(list); retrying after the other lanes of its stage"
                )
                return .deferred
            case .skipLane, .deferLane:
                let issue = BlockingIssue(
                    severity: "high", file: files.first ?? "",
                    reason:
                        "Lane \(lane.laneID)'s change was dropped this round: merging \(record.branch) into \(state.branch) conflicts in \(list).",
                    requiredChange:
                        "Redo lane \(lane.laneID)'s change on top of the task branch so it merges cleanly (its branch \(record.branch) is kept).",
                    source: "pm")
                try updateLane(lane.laneID, "lane_skipped", ["files": .array(files.map { .string($0) })], issue: issue)
                {
                    $0.status = .skipped
                    $0.conflictFiles = files
                }
                console.warn(
                    "round \(state.round) · lane \(lane.laneID) conflicts in \(list); its change is dropped this round")
                return .dropped
            }
        }
    }

    /// Removes the lane worktrees once the lanes are merged; with
    /// `lane_preserve_worktrees_on_failure`, keeps them all when any lane failed.
    private func removeLaneWorktrees(_ settings: CardLanes) async {
        let lanes = state.currentRound.lanes ?? []
        let failed = lanes.contains { $0.status != .merged || !($0.outsideOwnerPaths ?? []).isEmpty }
        guard !(failed && settings.preserveWorktreesOnFailure) else {
            console.info(
                "round \(state.round) · lane worktrees kept for inspection under \(paths.display(paths.laneWorktree(task: state.taskID, runID: state.runID, round: state.round, lane: "")))"
            )
            return
        }
        let git = LaneGit(taskWorkdir: state.workdir)
        for lane in lanes where Filesystem.exists(lane.worktree) {
            await git.remove(lane, deleteBranch: lane.status == .merged)
        }
    }

    /// The round's work report: the lanes' reports in merge order, for verify and the reviewer.
    private func writeMergedReport(_ plan: LanePlan) async throws -> WorkReport {
        let id = "\(state.runID).r\(state.round).lanes"
        var notes: [String] = []
        var tests: [ClaimedTest] = []
        var metrics: [JSONValue] = []
        var files: Set<String> = []
        for lane in plan.orderedLanes {
            guard let record = laneRecord(lane.laneID) else { continue }
            var laneReport: WorkReport?
            if let dispatch = record.dispatch,
                case .valid(let report) = ReportReader.checkWork(
                    paths.laneWorkReport(lane.laneID), expecting: identity(dispatch.runID))
            {
                laneReport = report
            }
            notes.append("lane \(lane.laneID) (\(record.status.rawValue)): \(laneReport?.notes ?? "")")
            tests += laneReport?.tests ?? []
            if record.status == .merged { files.formUnion(record.filesChanged ?? []) }
            metrics.append(
                .object([
                    "lane_id": .string(lane.laneID), "status": .string(record.status.rawValue),
                    "backend": .string(record.backend),
                ]))
        }
        let report = WorkReport(
            taskID: state.taskID, round: state.round, runID: id, headSHA: await workdirGit.head(),
            filesChanged: files.sorted(), notes: notes.joined(separator: "\n"), tests: tests, backend: "lanes",
            unknownFields: ["lane_metrics": .array(metrics)])
        try report.write(to: paths.workReport)
        var record = state.currentRound
        if record.worker?.runID != id {
            record.worker = DispatchRecord(runID: id, backend: "lanes", attempt: 1, startedAt: Timestamp.now())
            state.currentRound = record
        }
        return report
    }

    // MARK: - Records

    func laneRecord(_ laneID: String) -> LaneRecord? {
        state.currentRound.lanes?.first { $0.laneID == laneID }
    }

    /// Changes one lane's record (and adds its blocking issue) in one saved transition.
    private func updateLane(
        _ laneID: String, _ event: String, _ fields: [String: JSONValue], issue: BlockingIssue? = nil,
        _ change: (inout LaneRecord) -> Void
    ) throws {
        var record = state.currentRound
        guard var lanes = record.lanes, let index = lanes.firstIndex(where: { $0.laneID == laneID }) else { return }
        change(&lanes[index])
        record.lanes = lanes
        if let issue, !(record.laneIssues ?? []).contains(issue) { record.laneIssues = (record.laneIssues ?? []) + [issue] }
        state.currentRound = record
        var all = fields
        all["lane_id"] = .string(laneID)
        try transition(event, all)
    }
}
