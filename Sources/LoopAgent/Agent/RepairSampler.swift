import Foundation
import LoopCore

/// Best-of-N repair of single lines, judged by the card's verify commands, before the
/// worker's agent loop ("repair sampling").
///
/// Why: a 135M model never planned an edit in the task benchmark (0 of 7, then 0 of 4), but
/// asked for ONE line corrected, with the goal beside it, it writes the right line in some of
/// its samples — and verify can tell which. So: find the lines the failing output and the
/// card point at (`FailureLocator`), ask for each one corrected K times at a high
/// temperature, try every distinct answer through the edit guard's own checks (the worker's
/// sandboxed `run`), and keep an answer only when it makes the checks strictly better.
/// Nothing here knows any task: the prompt's two examples are generic, the candidates come
/// from the model, and the judge is the card's own verify.
struct RepairSampler {
    /// How much the step may spend, all of it before the agent loop's first step.
    struct Budget: Sendable, Equatable {
        /// Lines tried, best-ranked first.
        var lines: Int = 4
        /// Model samples per line.
        var samplesPerLine: Int = 16
        /// Prompt + completion tokens for all samples.
        var maxTokens: Int = 30_000
        /// Wall-clock seconds for sampling and checking together.
        var maxSeconds: Double = 150
    }

    /// What the step did, for the work report and the model's first prompt.
    struct Report: Sendable, Equatable {
        var linesTried: [String] = []
        var samples = 0
        /// Distinct candidate lines tried against the checks.
        var candidates = 0
        /// `path:line` → the new line, for each kept change.
        var kept: [String] = []
        var filesChanged: [String] = []
        var solved = false
        var tokensUsed = 0
        /// Why the step ended before trying everything (a budget), or why it did not run.
        var stopped: String?
        /// The checks' report after the last kept change (or when solved).
        var checks = ""

        /// One paragraph for the work report's notes.
        var summary: String {
            var text = "Repair sampling: \(linesTried.count) line(s) tried (\(linesTried.joined(separator: ", "))), "
                + "\(samples) samples, \(candidates) distinct candidates checked"
            text += kept.isEmpty ? "; none kept" : "; kept: \(kept.joined(separator: "; "))"
            if solved { text += "; every verify command passes" }
            if let stopped { text += " (stopped: \(stopped))" }
            return text + "."
        }
    }

    let model: any ChatModel
    let modelName: String
    let ledger: AgentLedger
    let output: @Sendable (String) -> Void
    let budget: Budget
    let seed: Int
    let contextLength: Int

    /// Longest sampled reply: one line of code, with room for a little chatter around it.
    static let replyTokens = 48
    /// Sampling temperature: high, so the K samples differ (measured: 1.0 found the right line
    /// more often than 0.8 on the four benchmark tasks, 19 against 14 of 40).
    static let temperature = 1.0

    /// Runs the step. Ends early when every verify command passes.
    /// - Parameters:
    ///   - editGuard: the turn's guard: its baseline is the unchanged tree, its `trial`
    ///     judges each candidate, and a kept change is its new best.
    func run(brief: TaskBrief, workdir: String, tools: any ToolExecutor, editGuard: inout EditGuard) async -> Report {
        var report = Report()
        let started = Date()
        guard let baseline = await editGuard.takeBaseline(tools: tools) else {
            report.stopped = editGuard.offReason ?? "no verify commands to judge by"
            return report
        }
        guard !baseline.allPassed else {
            report.stopped = "every verify command already passes"
            return report
        }
        let files = brief.inScope.compactMap { entry -> (path: String, text: String)? in
            guard let path = PathPattern.scopeEntry(entry), !Self.isOutOfScope(path, brief: brief),
                let text = InScopeFiles.read(path, workdir: workdir)
            else { return nil }
            return (path.hasPrefix("./") ? String(path.dropFirst(2)) : path, text)
        }
        let taskText = ([brief.goal] + brief.acceptanceCriteria + brief.fixes).joined(separator: "\n")
        let lines = FailureLocator.rank(
            files: files, failingOutput: baseline.failingOutput, taskText: taskText, limit: budget.lines)
        guard !lines.isEmpty else {
            report.stopped = "no in-scope line to try"
            return report
        }
        let goal = brief.goal.isEmpty ? brief.acceptanceCriteria.joined(separator: "; ") : brief.goal
        output("[loop-agent] repair sampling: \(lines.count) line(s) to try, \(budget.samplesPerLine) samples each\n")
        var sampleIndex = 0
        for line in lines {
            report.linesTried.append("\(line.path):\(line.number)")
            // The line as it is now: an earlier kept change may have touched this file.
            guard let current = InScopeFiles.read(line.path, workdir: workdir) else { continue }
            var fileLines = current.components(separatedBy: "\n")
            guard line.number <= fileLines.count else { continue }
            let original = fileLines[line.number - 1]
            var tally: [String: Int] = [:]
            var order: [String] = []
            for _ in 0..<budget.samplesPerLine {
                if let reason = exhausted(report, started: started) {
                    report.stopped = reason
                    break
                }
                sampleIndex += 1
                let request = ChatRequest(
                    model: modelName, messages: Self.messages(goal: goal, line: original),
                    temperature: Self.temperature, seed: seed &+ sampleIndex, maxTokens: Self.replyTokens,
                    contextLength: contextLength, keepAlive: "30m", stream: true)
                let response: ChatResponse
                do {
                    response = try await model.chat(request) { _ in }
                } catch {
                    // The agent loop makes the same calls and reports a dead server properly.
                    report.stopped = "a model call failed (\(error.localizedDescription))"
                    break
                }
                ledger.record(response, step: 0)
                report.samples += 1
                report.tokensUsed += response.usage.promptTokens + response.usage.completionTokens
                let found = Self.candidates(from: response.content, original: original)
                for candidate in found {
                    if tally[candidate] == nil { order.append(candidate) }
                    tally[candidate, default: 0] += 1
                }
                // The round log shows every answer: what the model wrote is the finding.
                let reply = response.content.split(whereSeparator: \.isNewline).joined(separator: " ⏎ ").prefix(100)
                output("[loop-agent] repair \(line.path):\(line.number) sample \(report.samples): \"\(reply)\"\(found.isEmpty ? " (no candidate)" : "")\n")
            }
            // The answer the samples agree on most is tried first (self-consistency).
            let ranked = order.enumerated().sorted { a, b in
                let (x, y) = (tally[a.element] ?? 0, tally[b.element] ?? 0)
                return x != y ? x > y : a.offset < b.offset
            }.map(\.element)
            output("[loop-agent] repair \(line.path):\(line.number): \(ranked.count) distinct candidate(s)\n")
            // The line as the file holds it between candidates: the original, or the last kept one.
            var standing = original
            for candidate in ranked {
                // Candidates already sampled are still checked when the token budget ran out; not past the time budget.
                if Date().timeIntervalSince(started) > budget.maxSeconds {
                    report.stopped = "time budget of \(Int(budget.maxSeconds)) s"
                    break
                }
                fileLines[line.number - 1] = candidate
                let call = ToolCall(
                    id: "repair-\(report.candidates + 1)", name: "write_file",
                    arguments: .object(["path": .string(line.path), "content": .string(fileLines.joined(separator: "\n"))]))
                guard EditAdvisor.advice(for: call, brief: brief) == nil, let snapshot = editGuard.snapshot(path: line.path) else {
                    fileLines[line.number - 1] = standing
                    break
                }
                guard case .result(_, false) = await tools.perform(call) else {
                    fileLines[line.number - 1] = standing
                    continue
                }
                report.candidates += 1
                let shown = candidate.trimmingCharacters(in: .whitespaces)
                switch await editGuard.trial(snapshot, tools: tools) {
                case .solved(let checks):
                    output("[loop-agent] repair kept \(line.path):\(line.number) `\(shown.prefix(80))`: every verify command passes\n")
                    record(&report, line: line, candidate: shown)
                    report.solved = true
                    report.checks = checks
                    return report
                case .better(let checks):
                    output("[loop-agent] repair kept \(line.path):\(line.number) `\(shown.prefix(80))`: \(checks)\n")
                    record(&report, line: line, candidate: shown)
                    report.checks = checks
                    standing = candidate
                case .undone:
                    fileLines[line.number - 1] = standing
                case .undoFailed:
                    report.stopped = "a candidate could not be undone"
                    report.filesChanged.append(line.path)
                    return report
                }
            }
            if report.stopped != nil { break }
        }
        output("[loop-agent] \(report.summary)\n")
        return report
    }

    private func record(_ report: inout Report, line: FailureLocator.Line, candidate: String) {
        report.kept.append("\(line.path):\(line.number) → `\(candidate.prefix(120))`")
        if !report.filesChanged.contains(line.path) { report.filesChanged.append(line.path) }
    }

    /// The budget that ran out before another sample, if one did.
    private func exhausted(_ report: Report, started: Date) -> String? {
        if Date().timeIntervalSince(started) > budget.maxSeconds { return "time budget of \(Int(budget.maxSeconds)) s" }
        if report.tokensUsed >= budget.maxTokens { return "token budget of \(budget.maxTokens)" }
        return nil
    }

    private static func isOutOfScope(_ path: String, brief: TaskBrief) -> Bool {
        let clean = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        return brief.outOfScope.compactMap(PathPattern.scopeEntry).contains { PathPattern.covers($0, clean) }
    }

    // MARK: - Prompt and answers

    /// The sampling prompt: two generic worked examples, then the goal and the line.
    ///
    /// Measured on the four benchmark tasks (SmolLM2-135M, 10 samples each, temperature 0.8):
    /// without examples the model almost never answered with a line of code; with them, and
    /// without the failing output, 14 of 40 samples held the right line; adding the failing
    /// output (its last lines, or only its error lines) lowered that to 8 and 5 of 40. The
    /// output is used to find the line, not shown when asking for it.
    static func messages(goal: String, line: String) -> [ChatMessage] {
        func ask(_ goal: String, _ line: String) -> String { "Goal: \(goal)\nLine: \(line)\nWrite the fixed line." }
        return [
            ChatMessage(role: .system, content: "You fix one line of code. Reply with the fixed line only."),
            ChatMessage(role: .user, content: ask("MAX_USERS must be 50, not 5.", "MAX_USERS = 5")),
            ChatMessage(role: .assistant, content: "MAX_USERS = 50"),
            ChatMessage(role: .user, content: ask("greet() must return 'hello' instead of 'hi'.", "    return 'hi'")),
            ChatMessage(role: .assistant, content: "    return 'hello'"),
            ChatMessage(role: .user, content: ask(String(goal.prefix(600)), line)),
        ]
    }

    /// The candidate lines in a reply: each reply line cleaned up (code fences, wrapping
    /// quotes or backticks, a `Line:` label dropped), close enough to the original to be a
    /// fix of it (an edit distance of at most half its length), not the original itself,
    /// re-indented as the original. At most two per reply.
    static func candidates(from reply: String, original: String) -> [String] {
        let indent = String(original.prefix { $0 == " " || $0 == "\t" })
        let trailingCR = original.hasSuffix("\r")
        let bare = original.trimmingCharacters(in: .whitespacesAndNewlines)
        var found: [String] = []
        for raw in reply.components(separatedBy: "\n") {
            guard let text = clean(raw, original: bare), text != bare else { continue }
            let limit = max(2, bare.count / 2)
            guard abs(text.count - bare.count) <= limit, editDistance(text, bare, limit: limit) <= limit else { continue }
            let line = indent + text + (trailingCR ? "\r" : "")
            if !found.contains(line) { found.append(line) }
            if found.count == 2 { break }
        }
        return found
    }

    private static func clean(_ raw: String, original: String) -> String? {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("```") { return nil }
        for label in ["Fixed line:", "Line:", "Fix:", "Answer:"] where text.lowercased().hasPrefix(label.lowercased()) {
            text = text.dropFirst(label.count).trimmingCharacters(in: .whitespaces)
        }
        for quote in ["`", "\"", "'"] where text.count >= 2 && text.hasPrefix(quote) && text.hasSuffix(quote) && !original.hasPrefix(quote) {
            text = String(text.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
        }
        return text.isEmpty ? nil : text
    }

    /// Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`.
    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let x = Array(a)
        let y = Array(b)
        if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
        var previous = Array(0...y.count)
        for i in 1...x.count {
            var current = [i] + Array(repeating: 0, count: y.count)
            for j in 1...y.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            if current.min() ?? 0 > limit { return limit + 1 }
            previous = current
        }
        return previous[y.count]
    }
}
