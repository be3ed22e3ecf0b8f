import Foundation
import LoopCore

/// Runs the card's verify commands after each edit the built-in worker makes, keeps the edits
/// that do not make them worse, undoes the ones that do, and ends the turn when they all pass.
///
/// Why: a tiny model's edits are mostly wrong. In the task benchmark SmolLM2-135M broke the
/// files it should fix (`test` written into `joiner.py`) and the next round started from the
/// broken tree, so rounds added damage instead of progress. With the guard every edit is a
/// trial judged at once by the task's own checks: the model sees the verdict in the tool
/// result, a regression never survives the step that made it, and a passing tree ends the
/// turn instead of being edited further. The PM still runs verify and the reviewer still
/// judges; this only decides which of the worker's own edits to keep.
struct EditGuard {
    /// One run of the checks, comparable: more commands passing, then fewer commands whose
    /// code no longer loads, then more tests passing, then fewer tests failing, is better.
    struct Score: Comparable, Sendable {
        var commandsPassed: Int
        /// Failing commands whose output shows the code does not even load (a syntax error, a
        /// missing name or command): worse than a failing assertion, and when nothing passes
        /// before or after an edit, the only sign that the edit broke the file.
        var commandsBroken: Int = 0
        var testsPassed: Int
        var testsFailed: Int

        static func < (lhs: Score, rhs: Score) -> Bool {
            if lhs.commandsPassed != rhs.commandsPassed { return lhs.commandsPassed < rhs.commandsPassed }
            if lhs.commandsBroken != rhs.commandsBroken { return lhs.commandsBroken > rhs.commandsBroken }
            if lhs.testsPassed != rhs.testsPassed { return lhs.testsPassed < rhs.testsPassed }
            return lhs.testsFailed > rhs.testsFailed
        }
    }

    /// The checks' result, with a few lines for the model.
    struct CheckRun: Sendable {
        var score: Score
        var total: Int
        var report: String
        /// The failing commands' output (each one's tail), to find the lines it points at
        /// (see `FailureLocator`).
        var failingOutput: String = ""
        var allPassed: Bool { score.commandsPassed == total }
    }

    /// A file as it was before an edit, to put back if the edit is undone.
    struct Snapshot: Sendable {
        var absolute: String
        var relative: String
        /// Nil when the file did not exist (undoing deletes it).
        var content: Data?
        /// Its mode bits, put back with the content (a script stays executable).
        var permissions: Int?
    }

    /// What the guard decided about an edit that succeeded.
    enum Verdict: Equatable {
        /// Not checked (no verify commands, or the guard is off); the result stands as it is.
        case unchecked
        /// Kept: the checks are no worse; the text says how they stand.
        case kept(String)
        /// Undone: the checks got worse; the file is back as it was.
        case undone(String)
        /// Every verify command passes after the edit, and did not before the first edit.
        case solved(String)
    }

    /// Longest the checks may take on the unchanged tree for the guard to stay on: a slow
    /// verify (a full build) run after every edit would eat the round.
    static let maxCheckSeconds: Double = 45

    let commands: [String]
    let workspace: Workspace?
    private(set) var best: CheckRun?
    /// The checks on the tree as it was before the turn's first edit.
    private(set) var baseline: CheckRun?
    /// Why the guard turned itself off, once it has.
    private(set) var offReason: String?
    /// The last modification time `stamp` gave a file.
    private var lastStamp: Date?

    init(commands: [String], workdir: String) {
        self.commands = commands
        workspace = commands.isEmpty ? nil : try? Workspace(root: workdir)
    }

    var isActive: Bool { workspace != nil && offReason == nil }

    static func isEdit(_ call: ToolCall) -> Bool { ["write_file", "edit_file"].contains(call.name) }

    /// Called before an edit runs: takes the baseline on the first edit and the file's
    /// current content. Nil when the guard is off or the path is refused (the tool will
    /// refuse it too).
    mutating func beforeEdit(_ call: ToolCall, tools: any ToolExecutor) async -> Snapshot? {
        guard isActive, Self.isEdit(call), let workspace, let path = call.arguments["path"]?.stringValue,
            let resolved = try? workspace.resolve(path)
        else { return nil }
        guard await takeBaseline(tools: tools) != nil else { return nil }
        return Self.snapshot(resolved)
    }

    /// Runs the checks on the unchanged tree once (the first call) and returns that baseline;
    /// nil when the guard is off or turns itself off because the checks are too slow.
    mutating func takeBaseline(tools: any ToolExecutor) async -> CheckRun? {
        guard isActive else { return nil }
        if let baseline { return baseline }
        let started = Date()
        let run = await check(tools: tools)
        let seconds = Date().timeIntervalSince(started)
        if seconds > Self.maxCheckSeconds {
            offReason = "the verify commands took \(Int(seconds)) s; edits are not checked one by one"
            return nil
        }
        best = run
        baseline = run
        return run
    }

    /// A snapshot of the file at `path` (inside the workspace), for an edit about to be tried.
    func snapshot(path: String) -> Snapshot? {
        guard let workspace, let resolved = try? workspace.resolve(path) else { return nil }
        return Self.snapshot(resolved)
    }

    /// The file's content and mode now, to put back later; nil when it cannot be read.
    static func snapshot(_ resolved: Workspace.Resolved) -> Snapshot? {
        let content = resolved.exists ? FileManager.default.contents(atPath: resolved.absolute) : nil
        if resolved.exists && content == nil { return nil }
        let permissions = (try? FileManager.default.attributesOfItem(atPath: resolved.absolute))?[.posixPermissions] as? Int
        return Snapshot(absolute: resolved.absolute, relative: resolved.relative, content: content, permissions: permissions)
    }

    /// Called after an edit succeeded: runs the checks and keeps, undoes or accepts it.
    mutating func afterEdit(_ snapshot: Snapshot, tools: any ToolExecutor) async -> Verdict {
        guard isActive, let before = best else { return .unchecked }
        stamp(snapshot.absolute)
        let now = await check(tools: tools)
        if solves(now) {
            best = now
            return .solved("CHECKS after this edit: every verify command passes.\n\(now.report)")
        }
        if now.score < before.score {
            guard undo(snapshot) else {
                best = now
                return .kept("CHECKS after this edit got worse, and it could not be undone:\n\(now.report)")
            }
            return .undone(
                "EDIT UNDONE: it made the checks worse (before: \(Self.describe(before)); after: \(Self.describe(now))). "
                    + "\(snapshot.relative) is back as it was. Try a different change.\n\(now.report)")
        }
        best = now
        return .kept("CHECKS after this edit (\(Self.describe(now))); not done yet:\n\(now.report)")
    }

    /// Whether checks after an edit end the turn. Only a change from failing to passing does:
    /// when verify passed before any edit (a task verify cannot judge, like docs), passing says
    /// nothing about being done.
    private func solves(_ now: CheckRun) -> Bool {
        now.allPassed && !(baseline?.allPassed ?? false)
    }

    /// What a trial edit (see `trial`) came to.
    enum TrialVerdict: Equatable {
        /// Every verify command passes now (and did not before the first edit): kept.
        case solved(String)
        /// Strictly better than the best so far: kept, and the new best.
        case better(String)
        /// No better: the file is back as it was.
        case undone
        /// No better, and putting the file back failed: the caller must stop editing.
        case undoFailed
    }

    /// Judges a trial edit more strictly than `afterEdit`: only a strictly better score is
    /// kept, anything else is undone. For edits nobody asked for (the repair sampler's
    /// candidates), where a neutral change is noise, not progress.
    mutating func trial(_ snapshot: Snapshot, tools: any ToolExecutor) async -> TrialVerdict {
        guard isActive, let before = best else { return undo(snapshot) ? .undone : .undoFailed }
        stamp(snapshot.absolute)
        let now = await check(tools: tools)
        if solves(now) {
            best = now
            return .solved("every verify command passes.\n\(now.report)")
        }
        if before.score < now.score {
            best = now
            return .better("\(Self.describe(now)) (before: \(Self.describe(before)))")
        }
        return undo(snapshot) ? .undone : .undoFailed
    }

    /// Puts the file back and stamps it (see `stamp`).
    private mutating func undo(_ snapshot: Snapshot) -> Bool {
        guard Self.restore(snapshot) else { return false }
        if snapshot.content != nil { stamp(snapshot.absolute) }
        return true
    }

    /// Gives a file just written a modification time, in whole seconds, later than any this
    /// guard gave before.
    ///
    /// Why: caches keyed on a source's mtime (seconds) and size — Python's `__pycache__`, make —
    /// cannot tell apart two versions of the same size written within one second. Found in the
    /// repair sampler's test: `RATE = 5` tried, checked and undone, then `RATE = 3` written in
    /// the same second, and Python ran the stale bytecode of `RATE = 5`. An undo has the same
    /// problem (the original back, with the candidate's bytecode still "fresh"). The cost: when
    /// several versions are written within a second, the mtime runs a few seconds ahead.
    private mutating func stamp(_ path: String) {
        let next = max(Date(), (lastStamp ?? .distantPast).addingTimeInterval(1))
        let whole = Date(timeIntervalSince1970: (next.timeIntervalSince1970).rounded(.up))
        if (try? FileManager.default.setAttributes([.modificationDate: whole], ofItemAtPath: path)) != nil {
            lastStamp = whole
        }
    }

    /// Counts from a hand-written test script that prints one line per check and no summary
    /// a runner would (`pass: …` / `FAIL: …`, or TAP's `ok 1 …` / `not ok 1 …`); nil when no
    /// line has that shape.
    ///
    /// Why: such a script's exit code says only "something failed", so an edit that makes two
    /// of its four checks pass looked no better than none, and the repair sampling could not
    /// keep partial progress.
    static func checkLineCounts(_ output: String) -> TestCounts? {
        var passed = 0
        var failed = 0
        for raw in output.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if line.hasPrefix("pass:") || line.hasPrefix("passed:") || Self.isTAP(line, "ok ") {
                passed += 1
            } else if line.hasPrefix("fail:") || line.hasPrefix("failed:") || Self.isTAP(line, "not ok ") {
                failed += 1
            }
        }
        return passed + failed > 0 ? TestCounts(passed: passed, failed: failed, skipped: 0, runner: "lines") : nil
    }

    /// `ok 3 …` / `not ok 3 …`: the word, then a test number.
    private static func isTAP(_ line: String, _ word: String) -> Bool {
        line.hasPrefix(word) && line.dropFirst(word.count).first?.isNumber == true
    }

    /// Runs every verify command through the worker's own `run` tool (same sandbox, same
    /// limits) and scores the result.
    func check(tools: any ToolExecutor) async -> CheckRun {
        var score = Score(commandsPassed: 0, testsPassed: 0, testsFailed: 0)
        var lines: [String] = []
        var failing: [String] = []
        for (index, command) in commands.enumerated() {
            let call = ToolCall(id: "edit-check-\(index + 1)", name: "run", arguments: .object(["command": .string(command)]))
            guard case .result(let text, let isError) = await tools.perform(call) else { continue }
            let passed = !isError && text.hasPrefix("exit code 0\n")
            let counts = TestCounts.parse(text) ?? Self.checkLineCounts(text)
            if passed { score.commandsPassed += 1 } else if Self.showsBrokenCode(text) { score.commandsBroken += 1 }
            score.testsPassed += counts?.passed ?? 0
            score.testsFailed += counts?.failed ?? 0
            var line = "\(passed ? "PASS" : "FAIL") \(command)"
            if let counts { line += " (\(counts.passed) passed, \(counts.failed) failed)" }
            if !passed {
                line += ": " + WorkerAgent.tail(text, 300)
                failing.append(Self.lastBytes(text, 3000))
            }
            lines.append(line)
        }
        return CheckRun(
            score: score, total: commands.count, report: lines.joined(separator: "\n"),
            failingOutput: failing.joined(separator: "\n"))
    }

    /// The end of a command's output, where its error is, with its lines kept.
    private static func lastBytes(_ text: String, _ limit: Int) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count > limit else { return text }
        return String(decoding: bytes.suffix(limit), as: UTF8.self)
    }

    /// Error lines that mean the code did not load or a name is gone, from the interpreters and
    /// shells tasks use (Python, bash/sh, node).
    static let brokenMarkers = [
        "SyntaxError", "IndentationError", "TabError", "NameError", "ImportError", "ModuleNotFoundError",
        "syntax error", "command not found", "unexpected EOF", "ReferenceError",
    ]

    static func showsBrokenCode(_ output: String) -> Bool {
        brokenMarkers.contains { output.contains($0) }
    }

    static func describe(_ run: CheckRun) -> String {
        var text = "\(run.score.commandsPassed) of \(run.total) commands pass"
        if run.score.commandsBroken > 0 { text += ", \(run.score.commandsBroken) with code that does not load" }
        if run.score.testsPassed + run.score.testsFailed > 0 {
            text += ", \(run.score.testsPassed) tests passed, \(run.score.testsFailed) failed"
        }
        return text
    }

    /// Puts a file back as the snapshot has it; false when that failed.
    private static func restore(_ snapshot: Snapshot) -> Bool {
        guard let content = snapshot.content else {
            return (try? FileManager.default.removeItem(atPath: snapshot.absolute)) != nil
        }
        do {
            try content.write(to: URL(fileURLWithPath: snapshot.absolute), options: .atomic)
            if let permissions = snapshot.permissions {
                try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: snapshot.absolute)
            }
            return true
        } catch {
            return false
        }
    }
}
