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
        /// Model samples per place for a new line (see `attempts`); 0: replacements only.
        var insertSamples: Int = 0
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
        var attempts = Self.attempts(for: lines, files: files, inserting: budget.insertSamples > 0)
        // A file the card names that does not exist yet: its first line is a place for a new line too.
        if budget.insertSamples > 0 {
            attempts += Self.missingFiles(brief: brief, workdir: workdir).map { Attempt(path: $0, line: 0, inserts: true, place: "new") }
        }
        guard !attempts.isEmpty else {
            report.stopped = "no in-scope line to try"
            return report
        }
        let goal = brief.goal.isEmpty ? brief.acceptanceCriteria.joined(separator: "; ") : brief.goal
        output("[loop-agent] repair sampling: \(lines.count) line(s) to try, \(budget.samplesPerLine) samples each"
            + (budget.insertSamples > 0 ? "; \(attempts.count - lines.count) place(s) for a new line, \(budget.insertSamples) samples each" : "") + "\n")
        var sampleIndex = 0
        var next = 0
        while next < attempts.count {
            let attempt = attempts[next]
            next += 1
            report.linesTried.append(attempt.label)
            // The file as it is now: an earlier kept change may have touched it (a new file: empty).
            guard let current = InScopeFiles.read(attempt.path, workdir: workdir) ?? (attempt.place == "new" ? "" : nil) else { continue }
            let fileLines = current.components(separatedBy: "\n")
            guard attempt.line <= fileLines.count else { continue }
            let anchor = attempt.line > 0 ? fileLines[attempt.line - 1] : ""
            var tally: [String: Int] = [:]
            var order: [String] = []
            for _ in 0..<(attempt.inserts ? budget.insertSamples : budget.samplesPerLine) {
                if let reason = exhausted(report, started: started) {
                    report.stopped = reason
                    break
                }
                sampleIndex += 1
                let messages = attempt.inserts
                    ? Self.insertMessages(goal: goal, after: attempt.line > 0 ? anchor : nil)
                    : Self.messages(goal: goal, line: anchor, before: Self.linesBefore(attempt.line, in: fileLines))
                let request = ChatRequest(
                    model: modelName, messages: messages,
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
                let found = attempt.inserts
                    ? Self.newLines(from: response.content, indent: attempt.indent, existing: fileLines)
                    : Self.candidates(from: response.content, original: anchor)
                for candidate in found {
                    if tally[candidate] == nil { order.append(candidate) }
                    tally[candidate, default: 0] += 1
                }
                // The round log shows every answer: what the model wrote is the finding.
                let reply = response.content.split(whereSeparator: \.isNewline).joined(separator: " ⏎ ").prefix(100)
                output("[loop-agent] repair \(attempt.label) sample \(report.samples): \"\(reply)\"\(found.isEmpty ? " (no candidate)" : "")\n")
            }
            // The answer the samples agree on most is tried first (self-consistency).
            let ranked = order.enumerated().sorted { a, b in
                let (x, y) = (tally[a.element] ?? 0, tally[b.element] ?? 0)
                return x != y ? x > y : a.offset < b.offset
            }.map(\.element)
            output("[loop-agent] repair \(attempt.label): \(ranked.count) distinct candidate(s)\n")
            switch await check(ranked, at: attempt, in: fileLines, brief: brief, tools: tools, editGuard: &editGuard, report: &report, started: started) {
            case .solved, .undoFailed:
                return report
            case .kept:
                // A kept new line moves the lines below it down by one for the places still to come.
                if attempt.inserts {
                    for index in next..<attempts.count where attempts[index].path == attempt.path {
                        attempts[index].shift(insertedAt: attempt.line + 1)
                    }
                }
            case .none:
                break
            }
            if report.stopped != nil { break }
        }
        output("[loop-agent] \(report.summary)\n")
        return report
    }

    /// Where the step asks the model for a line: in place of a ranked line, or as a new line
    /// after one (`line` 0: before the first line).
    struct Attempt: Sendable, Equatable {
        var path: String
        /// 1-based line replaced, or the line the new one goes after (0: the very top).
        var line: Int
        var inserts: Bool
        /// The indentation a new line gets (replacements keep the original's).
        var indent: String = ""
        /// Why this place: "after", "top" or "end" for new lines.
        var place: String = ""

        var label: String { inserts ? "\(path):\(place) \(line)" : "\(path):\(line)" }

        /// A new line was kept at `insertedAt` (1-based): this place, if at or below it, moves down.
        mutating func shift(insertedAt: Int) {
            if line >= insertedAt { line += 1 }
        }
    }

    /// The places to try, in order: each ranked line replaced, then (when inserting) a new line
    /// after it; after the best-ranked line also the top of its file (below a shebang, leading
    /// comments and imports: where a missing import goes) and its end (where a missing
    /// definition goes). A place is tried once.
    static func attempts(for lines: [FailureLocator.Line], files: [(path: String, text: String)], inserting: Bool) -> [Attempt] {
        var result: [Attempt] = []
        func add(_ attempt: Attempt) {
            if !result.contains(where: { $0.path == attempt.path && $0.line == attempt.line && $0.inserts == attempt.inserts }) {
                result.append(attempt)
            }
        }
        for (rank, line) in lines.enumerated() {
            add(Attempt(path: line.path, line: line.number, inserts: false))
            guard inserting else { continue }
            add(Attempt(path: line.path, line: line.number, inserts: true, indent: blockIndent(after: line.text), place: "after"))
            guard rank == 0, let text = files.first(where: { $0.path == line.path })?.text else { continue }
            let fileLines = text.components(separatedBy: "\n")
            add(Attempt(path: line.path, line: topLine(fileLines), inserts: true, place: "top"))
            let last = fileLines.lastIndex { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map { $0 + 1 } ?? 0
            add(Attempt(path: line.path, line: last, inserts: true, place: "end"))
        }
        return result
    }

    /// The card's in-scope files (plain paths, not folders or globs, not out of scope) that do
    /// not exist in the worktree yet, as relative paths.
    static func missingFiles(brief: TaskBrief, workdir: String) -> [String] {
        brief.inScope.compactMap { entry -> String? in
            guard let path = PathPattern.scopeEntry(entry), !path.contains("*"), !path.hasSuffix("/"),
                !isOutOfScope(path, brief: brief), let resolved = try? Workspace(root: workdir).resolve(path), !resolved.exists
            else { return nil }
            return path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        }
    }

    /// The last line of the file's head (shebang, comments, a one-line docstring first, blank lines,
    /// imports), 0 when it has none.
    static func topLine(_ lines: [String]) -> Int {
        var last = 0
        for (index, line) in lines.enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            let isDocLine = text.count >= 6 && ["\"\"\"", "'''"].contains { text.hasPrefix($0) && text.hasSuffix($0) }
            let isHead = text.isEmpty || text.hasPrefix("#") || text.hasPrefix("//") || (index == 0 && isDocLine)
                || text.hasPrefix("import ") || (text.hasPrefix("from ") && text.contains(" import "))
            guard isHead else { break }
            if !text.isEmpty { last = index + 1 }
        }
        return last
    }

    /// The indentation of a line below `line`: one level deeper after a block opener.
    static func blockIndent(after line: String) -> String {
        let indent = String(line.prefix { $0 == " " || $0 == "\t" })
        let text = line.trimmingCharacters(in: .whitespaces)
        guard text.hasSuffix(":") || text.hasSuffix("{") || text.hasSuffix(" then") || text.hasSuffix(" do") else { return indent }
        return indent + (indent.hasPrefix("\t") ? "\t" : "    ")
    }

    private enum Checked { case none, kept, solved, undoFailed }

    /// Tries the distinct candidates at one place through the edit guard, best-agreed first;
    /// the first that makes verify strictly better stays and ends the place.
    private func check(
        _ ranked: [String], at attempt: Attempt, in fileLines: [String], brief: TaskBrief, tools: any ToolExecutor,
        editGuard: inout EditGuard, report: inout Report, started: Date
    ) async -> Checked {
        for candidate in ranked {
            // Candidates already sampled are still checked when the token budget ran out; not past the time budget.
            if Date().timeIntervalSince(started) > budget.maxSeconds {
                report.stopped = "time budget of \(Int(budget.maxSeconds)) s"
                return .none
            }
            var changed = fileLines
            if attempt.inserts {
                changed.insert(candidate, at: attempt.line)
            } else {
                changed[attempt.line - 1] = candidate
            }
            let call = ToolCall(
                id: "repair-\(report.candidates + 1)", name: "write_file",
                arguments: .object(["path": .string(attempt.path), "content": .string(changed.joined(separator: "\n"))]))
            guard EditAdvisor.advice(for: call, brief: brief) == nil, let snapshot = editGuard.snapshot(path: attempt.path) else {
                return .none
            }
            guard case .result(_, false) = await tools.perform(call) else { continue }
            report.candidates += 1
            let shown = candidate.trimmingCharacters(in: .whitespaces)
            let place = attempt.inserts ? "\(attempt.path): new line \(attempt.line + 1)" : "\(attempt.path):\(attempt.line)"
            switch await editGuard.trial(snapshot, tools: tools) {
            case .solved(let checks):
                output("[loop-agent] repair kept \(place) `\(shown.prefix(80))`: every verify command passes\n")
                record(&report, place: place, path: attempt.path, candidate: shown)
                report.solved = true
                report.checks = checks
                return .solved
            case .better(let checks):
                output("[loop-agent] repair kept \(place) `\(shown.prefix(80))`: \(checks)\n")
                record(&report, place: place, path: attempt.path, candidate: shown)
                report.checks = checks
                return .kept
            case .undone:
                continue
            case .undoFailed:
                report.stopped = "a candidate could not be undone"
                report.filesChanged.append(attempt.path)
                return .undoFailed
            }
        }
        return .none
    }

    private func record(_ report: inout Report, place: String, path: String, candidate: String) {
        report.kept.append("\(place) → `\(candidate.prefix(120))`")
        if !report.filesChanged.contains(path) { report.filesChanged.append(path) }
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

    /// The sampling prompt: two generic worked examples, then the goal, the lines just before
    /// the line (`Code:`, when it has any) and the line.
    ///
    /// Measured on the four benchmark tasks (SmolLM2-135M, 10 samples each, temperature 0.8):
    /// without examples the model almost never answered with a line of code; with them, and
    /// without the failing output, 14 of 40 samples held the right line; adding the failing
    /// output (its last lines, or only its error lines) lowered that to 8 and 5 of 40. The
    /// output is used to find the line, not shown when asking for it. The three lines before
    /// it are: on the nine one-line tasks of bench/agent/tasks (16 samples each, temperature
    /// 1.0), samples whose line made verify pass rose from 34 to 49 of 144 with them, and no task
    /// got fewer (bench/agent/TASKS_context.md) — the model sees the variable or signature the
    /// line must use.
    static func messages(goal: String, line: String, before: String = "") -> [ChatMessage] {
        func ask(_ goal: String, _ line: String, _ before: String) -> String {
            "Goal: \(goal)\n" + (before.isEmpty ? "" : "Code:\n\(before)\n") + "Line: \(line)\nWrite the fixed line."
        }
        return fewShot(
            system: "You fix one line of code. Reply with the fixed line only.",
            examples: [
                (ask("MAX_USERS must be 50, not 5.", "MAX_USERS = 5", "# limits\nTIMEOUT = 30"), "MAX_USERS = 50"),
                (ask("greet() must return 'hello' instead of 'hi'.", "    return 'hi'", "def greet():"), "    return 'hello'"),
            ],
            question: ask(String(goal.prefix(600)), line, before))
    }

    /// Up to three lines just before the 1-based `line`, as they are in the file (blank lines
    /// too), each cut at 200 characters: the context the replacement prompt shows.
    static func linesBefore(_ line: Int, in fileLines: [String]) -> String {
        guard line > 1 else { return "" }
        let before = fileLines[max(0, line - 4)..<min(line - 1, fileLines.count)].map { String($0.prefix(200)) }
        return before.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } ? "" : before.joined(separator: "\n")
    }

    /// A system line, worked examples as user/assistant pairs, then the question.
    private static func fewShot(system: String, examples: [(String, String)], question: String) -> [ChatMessage] {
        [ChatMessage(role: .system, content: system)]
            + examples.flatMap { [ChatMessage(role: .user, content: $0.0), ChatMessage(role: .assistant, content: $0.1)] }
            + [ChatMessage(role: .user, content: question)]
    }

    /// The prompt asking for a new line after `after` (nil: at the top of the file), with two
    /// generic worked examples in the shape of `messages`.
    static func insertMessages(goal: String, after: String?) -> [ChatMessage] {
        func ask(_ goal: String, _ after: String?) -> String {
            "Goal: \(goal)\nAfter: \(after ?? "(start of file)")\nWrite the missing line that goes after it."
        }
        return fewShot(
            system: "You add one missing line of code. Reply with the new line only.",
            examples: [
                (ask("app.py must import json.", "import os"), "import json"),
                (ask("total() must skip None values.", "    for v in values:"), "        if v is None: continue"),
            ],
            question: ask(String(goal.prefix(600)), after))
    }

    /// The new lines in a reply: each reply line cleaned up as in `candidates`, not a line the
    /// file already holds, at most 200 characters, indented with `indent` unless it was
    /// indented more than that in the reply. At most two per reply.
    static func newLines(from reply: String, indent: String, existing: [String]) -> [String] {
        let present = Set(existing.map { $0.trimmingCharacters(in: .whitespaces) })
        var found: [String] = []
        for raw in reply.components(separatedBy: "\n") {
            guard let text = clean(raw, original: ""), text.count <= 200, !present.contains(text) else { continue }
            let own = String(raw.prefix { $0 == " " || $0 == "\t" })
            let line = (own.count > indent.count ? own : indent) + text
            if !found.contains(line) { found.append(line) }
            if found.count == 2 { break }
        }
        return found
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
