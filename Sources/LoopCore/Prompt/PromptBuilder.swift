import Foundation

/// The prompt texts in force: the user's `.loop/templates/*` when present, else the built-ins.
package struct PromptTemplates: Sendable {
    package var worker: String
    package var reviewer: String
    /// Used when the repository has no `AGENTS.md`.
    package var agentsFallback: String
    /// Used when the repository has no `docs/roles/code-writer.md`.
    package var codeWriterRole: String
    /// Used when the repository has no `docs/roles/reviewer.md`.
    package var reviewerRole: String

    package init(worker: String, reviewer: String, agentsFallback: String, codeWriterRole: String, reviewerRole: String)
    {
        self.worker = worker
        self.reviewer = reviewer
        self.agentsFallback = agentsFallback
        self.codeWriterRole = codeWriterRole
        self.reviewerRole = reviewerRole
    }
}

/// Everything a prompt is built from, gathered by the round engine.
package struct PromptInputs: Sendable {
    package var card: TaskCard
    package var round: Int
    package var runID: String
    package var workdir: String
    package var paths: BusPaths
    /// Blocking issues this round must fix (the fix list); empty in round 1.
    package var fixes: [BlockingIssue]
    /// One line per earlier round.
    package var history: [String]
    /// Reviewer only: verification results and the diff.
    package var verifyResults: [VerifyResult]
    package var diff: String
    package var diffPath: String?
    package var filesChanged: [String]
    /// Worker, round 1: verify commands that already fail at the base, with their output.
    package var baselineFailures: [VerifyResult]
    /// The fix list's one line on the change so far.
    package var changeSummary: String?
    /// A lane's worker: its lane, owner paths and own report (nil for the task's worker).
    package var lane: LanePromptContext?

    package init(
        card: TaskCard, round: Int, runID: String, workdir: String, paths: BusPaths, fixes: [BlockingIssue] = [],
        history: [String] = [], verifyResults: [VerifyResult] = [], diff: String = "", diffPath: String? = nil,
        filesChanged: [String] = [], baselineFailures: [VerifyResult] = [], changeSummary: String? = nil
    ) {
        self.baselineFailures = baselineFailures
        self.changeSummary = changeSummary
        self.card = card
        self.round = round
        self.runID = runID
        self.workdir = workdir
        self.paths = paths
        self.fixes = fixes
        self.history = history
        self.verifyResults = verifyResults
        self.diff = diff
        self.diffPath = diffPath
        self.filesChanged = filesChanged
    }
}

/// What a lane's worker is told about its lane: the LANE CONTEXT section of its prompt.
package struct LanePromptContext: Sendable, Equatable {
    package var laneID: String
    package var ownerPaths: [String]
    package var dependsOn: [String]
    package var acceptanceChecks: [String]
    /// The lane's own report (`work_reports/<lane>.json` or `review_reports/<lane>.json`).
    package var reportPath: String
    /// A lane review: the lane's own review request (`review_requests/<lane>.json`).
    package var requestPath: String?

    package init(
        laneID: String, ownerPaths: [String], dependsOn: [String], acceptanceChecks: [String], reportPath: String,
        requestPath: String? = nil
    ) {
        self.requestPath = requestPath
        self.laneID = laneID
        self.ownerPaths = ownerPaths
        self.dependsOn = dependsOn
        self.acceptanceChecks = acceptanceChecks
        self.reportPath = reportPath
    }

    var section: String {
        var lines = [
            "=== LANE CONTEXT ===",
            requestPath == nil
                ? "You are the worker of lane \(laneID), one of several workers of this task, each in its own worktree."
                : "You review lane \(laneID) alone: the diff above is its branch's change; the task's merged change is reviewed separately.",
            "lane_id: \(laneID)",
            requestPath == nil
                ? "owner_paths (change only these; a change elsewhere blocks approval):" : "owner_paths (the lane may change only these):",
        ]
        lines += ownerPaths.map { "  - \($0)" }
        if !dependsOn.isEmpty {
            lines.append("depends_on (already merged into your starting point): \(dependsOn.joined(separator: ", "))")
        }
        if !acceptanceChecks.isEmpty {
            lines.append("acceptance_checks:")
            lines += acceptanceChecks.map { "  - \($0)" }
        }
        if let requestPath {
            lines.append("The lane's review request: \(requestPath).")
            lines.append("Write your review to \(reportPath), not to review_report.json.")
        } else {
            lines.append("Write your report to \(reportPath) (with \"lane_id\": \"\(laneID)\"), not to work_report.json.")
        }
        return lines.joined(separator: "\n")
    }
}

/// Renders the worker and reviewer prompts.
package struct PromptBuilder: Sendable {
    package var templates: PromptTemplates
    /// The user's repository, where `AGENTS.md` and `docs/roles/*.md` are looked up.
    package var repository: String
    /// Diffs longer than this go to a file, and the prompt names its path.
    package static let inlineDiffLimit = 60 * 1024

    package init(templates: PromptTemplates, repository: String) {
        self.templates = templates
        self.repository = repository
    }

    package func prompt(for role: Role, _ inputs: PromptInputs) -> String {
        var values: [String: String] = [
            "task_id": inputs.card.taskID,
            "round_num": String(inputs.round),
            "run_id": inputs.runID,
            "workdir": inputs.workdir,
            "bus_dir": inputs.paths.root,
            "work_report_path": role == .worker ? inputs.lane?.reportPath ?? inputs.paths.workReport : inputs.paths.workReport,
            "review_report_path": role == .reviewer ? inputs.lane?.reportPath ?? inputs.paths.reviewReport : inputs.paths.reviewReport,
            "review_request_path": inputs.lane?.requestPath ?? inputs.paths.reviewRequest,
            "agents_md": projectFile("AGENTS.md") ?? templates.agentsFallback,
            "task_card_section": taskCardSection(inputs.card),
            "prior_context_section": historySection(inputs.history),
            "fix_list_section": fixListSection(
                inputs.fixes, round: inputs.round, role: role, verifyResults: inputs.verifyResults,
                changeSummary: inputs.changeSummary),
        ]
        switch role {
        case .worker:
            values["role_md"] = projectFile("docs/roles/code-writer.md") ?? templates.codeWriterRole
            values["verify_section"] = verifyCommandsSection(inputs.card.verify, failingNow: inputs.baselineFailures)
            values["diff_section"] = ""
        case .reviewer:
            values["role_md"] = projectFile("docs/roles/reviewer.md") ?? templates.reviewerRole
            values["verify_section"] = verifyResultsSection(inputs.verifyResults)
            values["diff_section"] = diffSection(inputs)
        }
        var text = TemplateRenderer.render(role == .worker ? templates.worker : templates.reviewer, values: values)
        if let lane = inputs.lane { text += "\n\n" + lane.section }
        // Agents must be able to echo the run id even from a template that forgot it.
        if !text.contains(inputs.runID) {
            text +=
                "\n\n=== RUN CONTEXT ===\ntask_id: \(inputs.card.taskID)\nround: \(inputs.round)\nrun_id: \(inputs.runID)\n"
        }
        return text
    }

    // MARK: - Sections

    private func projectFile(_ relative: String) -> String? {
        let path = "\(repository)/\(relative)"
        guard let data = FileManager.default.contents(atPath: path), data.count < 256 * 1024 else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    func taskCardSection(_ card: TaskCard) -> String {
        var lines = ["=== TASK CARD ===", "task_id: \(card.taskID)", "goal: \(card.goal)"]
        for (title, items) in [
            ("in_scope", card.inScope), ("out_of_scope", card.outOfScope),
            ("acceptance_criteria", card.acceptanceCriteria), ("constraints", card.constraints),
        ] where !items.isEmpty {
            lines.append("\(title):")
            lines += items.map { "- \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    func historySection(_ history: [String]) -> String {
        guard !history.isEmpty else { return "" }
        return (["=== EARLIER ROUNDS ==="] + history.map { "- \($0)" }).joined(separator: "\n")
    }

    /// The fix list. The reviewer's copy marks each item the PM can judge from this round's
    /// verify run as resolved or unresolved, so it neither re-raises a fixed item nor drops an
    /// open one.
    func fixListSection(
        _ fixes: [BlockingIssue], round: Int, role: Role, verifyResults: [VerifyResult] = [],
        changeSummary: String? = nil
    ) -> String {
        guard !fixes.isEmpty else { return "" }
        let title =
            role == .worker
            ? "=== FIX LIST (round \(round)): fix every item ==="
            : "=== FIX LIST given to the worker for round \(round): check each item was fixed ==="
        var lines = [title]
        if role == .worker, let changeSummary, !changeSummary.isEmpty { lines.append(changeSummary) }
        for (index, fix) in fixes.enumerated() {
            let place = fix.file.isEmpty ? "" : " \(fix.file):"
            var mark = ""
            if role == .reviewer {
                if fix.source == "verify", let command = fix.command,
                    let now = verifyResults.first(where: { $0.command == command })
                {
                    mark = now.passed ? " [RESOLVED: passes now]" : " [UNRESOLVED: still fails]"
                } else {
                    mark = " [check whether it was fixed]"
                }
            }
            lines.append("\(index + 1). [\(fix.severity)]\(mark)\(place) \(fix.reason)")
            if let change = fix.requiredChange, !change.isEmpty { lines.append("   required change: \(change)") }
        }
        return lines.joined(separator: "\n")
    }

    func verifyCommandsSection(_ commands: [String], failingNow: [VerifyResult] = []) -> String {
        guard !commands.isEmpty else { return "" }
        var lines = [
            "=== VERIFICATION ===",
            "After you finish, the PM runs these commands in the workdir; every one must pass:",
        ]
        lines += commands.map { "- \($0)" }
        if !failingNow.isEmpty {
            lines.append("Before your change, the PM ran them and these fail:")
            for result in failingNow {
                lines.append("- [FAIL] \(result.command) (exit \(result.exitCode.map(String.init) ?? "-"))")
                let output = Verifier.bounded(result.output, keep: 800)
                if !output.isEmpty {
                    lines.append(output.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n"))
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    func verifyResultsSection(_ results: [VerifyResult]) -> String {
        guard !results.isEmpty else { return "=== VERIFICATION ===\nThe task card has no verify commands." }
        var lines = ["=== VERIFICATION (run by the PM after the worker) ==="]
        for result in results {
            let status = result.passed ? "PASS" : (result.timedOut ? "TIMEOUT" : "FAIL")
            lines.append(
                "- [\(status)] \(result.command) (exit \(result.exitCode.map(String.init) ?? "-"), \(result.durationS) s)"
            )
            if !result.passed, !result.output.isEmpty {
                lines.append(
                    Verifier.bounded(result.output, keep: 1500).split(separator: "\n").map { "    \($0)" }.joined(
                        separator: "\n"))
            }
        }
        return lines.joined(separator: "\n")
    }

    func diffSection(_ inputs: PromptInputs) -> String {
        var lines = [
            "=== CHANGE ===",
            "files changed: \(inputs.filesChanged.isEmpty ? "(none)" : inputs.filesChanged.joined(separator: ", "))",
        ]
        if inputs.diff.isEmpty {
            lines.append("The worker changed nothing.")
        } else if inputs.diff.utf8.count <= PromptBuilder.inlineDiffLimit || inputs.diffPath == nil {
            lines.append("```diff")
            lines.append(inputs.diff)
            lines.append("```")
        } else if let path = inputs.diffPath {
            lines.append("The diff is \(inputs.diff.utf8.count / 1024) KiB; read it at \(path).")
        }
        return lines.joined(separator: "\n")
    }
}

extension PromptTemplates {
    /// The user's templates from `<loop dir>/templates/` where present, the defaults elsewhere.
    package static func load(from directory: String, defaults: PromptTemplates) -> PromptTemplates {
        func read(_ name: String) -> String? {
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(name)") else { return nil }
            let text = String(decoding: data, as: UTF8.self)
            return text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : text
        }
        var templates = defaults
        templates.worker = read("worker_prompt.txt") ?? defaults.worker
        templates.reviewer = read("reviewer_prompt.txt") ?? defaults.reviewer
        return templates
    }
}
