import ArgumentParser
import Foundation
import LoopCore

/// `loop cost`: what the agents spent, from `.loop/usage.jsonl`.
struct CostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "Sum tokens, money and time of agent calls by task, round, role and model.",
        discussion: """
            Money comes from what agent CLIs report, or from `prices:` in
            .loop/config.yaml (US dollars per million tokens), e.g.
              prices:
                qwen2.5-coder:7b: {input: 0, output: 0}
                gpt-5: {input: 1.25, cached_input: 0.125, output: 10}

            Examples:
              loop cost
              loop cost --task my-task --json
            """
    )

    @OptionGroup var bus: LoopDirOption
    @Option(help: "Only this task.") var task: String?
    @Option(name: .customLong("run"), help: "Only this run.") var runID: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let paths = bus.paths
        let summary = UsageSummary.load(
            paths.usage, runID: runID, taskID: task, prices: OptionResolver.prices(configPath: paths.config))
        if summary.rows.isEmpty, task != nil || runID != nil {
            try refuseUnknownFilter(paths)
        }
        if json {
            struct Document: Encodable {
                var schemaVersion = 1
                var rows: [UsageSummary.Row]
                var totalTokens: Int
                var totalCostUSD: Double
                enum CodingKeys: String, CodingKey {
                    case rows
                    case schemaVersion = "schema_version"
                    case totalTokens = "total_tokens"
                    case totalCostUSD = "total_cost_usd"
                }
            }
            try CommandSupport.printJSON(
                Document(rows: summary.rows, totalTokens: summary.tokens, totalCostUSD: summary.costUSD))
            return
        }
        guard !summary.rows.isEmpty else {
            print("No agent calls recorded in \(paths.display(paths.usage)).")
            return
        }
        func pad(_ text: String, _ width: Int) -> String {
            text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
        }
        print(
            pad("task", 16) + pad("round", 6) + pad("role", 9) + pad("model", 22) + pad("calls", 6) + pad("prompt", 10)
                + pad("cached", 9) + pad("output", 9) + pad("cost $", 10) + "wall s")
        for row in summary.rows {
            print(
                pad(row.taskID, 16) + pad(String(row.round), 6) + pad(row.role, 9)
                    + pad(row.model == "-" ? row.backend : row.model, 22)
                    + pad(String(row.calls), 6) + pad(String(row.promptTokens), 10)
                    + pad(String(row.cachedPromptTokens), 9)
                    + pad(String(row.completionTokens), 9) + pad(String(format: "%.4f", row.costUSD), 10)
                    + String(format: "%.1f", row.wallS))
        }
        print("total: \(summary.tokens) tokens, $\(String(format: "%.4f", summary.costUSD))")
    }

    /// A `--task` or `--run` that matches nothing while the ledger has calls is a typo: say so.
    private func refuseUnknownFilter(_ paths: BusPaths) throws {
        let all = UsageSummary.load(paths.usage)
        guard !all.rows.isEmpty else { return }
        if let task, !all.rows.contains(where: { $0.taskID == task }) {
            let known = Array(NSOrderedSet(array: all.rows.map(\.taskID))).compactMap { $0 as? String }
            throw LoopError.config(
                "No agent calls for task '\(task)' in \(paths.display(paths.usage)); tasks with calls: "
                    + "\(known.joined(separator: ", ")). Pass one of them to --task.")
        }
        if let runID {
            throw LoopError.config(
                "No agent calls for run '\(runID)'\(task.map { " of task \($0)" } ?? "") in \(paths.display(paths.usage)). "
                    + "Run ids are listed by `loop archive list`.")
        }
    }
}
