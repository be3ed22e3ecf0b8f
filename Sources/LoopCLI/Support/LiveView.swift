import Foundation
import LoopCore

/// The live status block of `loop run` on a terminal: a few lines at the bottom, redrawn in
/// place every second, with the finished events scrolling above it as plain lines.
///
/// ```
/// >> T-1 · round 2/3 · worker (codex) working · 4:12
///    last: Running tests…
///    spent: 12034 tokens of 100000 · $0.0312 of $1.00
/// ```
///
/// It runs in the process that runs the round (the `--single-round` child), which is the one
/// printing while agents work. What it shows comes from the bus files (`state.json`,
/// `usage.jsonl`, `control.json`) and from the agent lines passing through `Console`, so
/// the engine needs no hooks. The redraw is a few ANSI sequences: cursor up, clear to the end
/// of the screen, draw; lines are cut to the terminal's width (read at every draw, so a
/// resize is followed) so none wraps and the line count stays exact.
final class LiveView: ConsoleOverlay {
    private struct Screen: Sendable {
        /// The lengths of the block's lines now on screen: the next redraw erases the rows they
        /// take at the terminal's width then (a terminal that reflows on resize wraps them).
        var drawn: [Int] = []
        var lastAgentLine: String?
        var snapshot: Snapshot?
        var usageSize: UInt64 = .max
        /// When `state.json` and `control.json` were last read (modification time and size of
        /// each): a redraw re-reads them only when they changed, so a tick is a few `stat`s.
        var filesStamp: [String] = []
        /// Set by `stop()`: a redraw already under way when the view stops must not draw again.
        var isStopped = false
        var spentTokens = 0
        var spentCost = 0.0
    }

    /// What the block says, read from the bus files.
    private struct Snapshot: Sendable {
        var taskID: String
        var runID: String
        var round: Int
        var maxRounds: Int
        var activity: String
        var startedAt: Date?
        var maxTokens: Int
        var maxCost: Double
    }

    private let paths: BusPaths
    private let screen = Locked(Screen())
    private let ticker = Locked<Task<Void, Never>?>(nil)
    private let interval: Duration

    init(paths: BusPaths, interval: Duration = .seconds(1)) {
        self.paths = paths
        self.interval = interval
    }

    /// One redraw a second; `LOOP_LIVE_INTERVAL_MS` changes it (bench/live_view_cost.sh
    /// redraws 100 times a second to measure what one redraw costs).
    static func interval(_ environment: [String: String]) -> Duration {
        guard let text = environment["LOOP_LIVE_INTERVAL_MS"], let ms = Int(text), ms >= 1 else { return .seconds(1) }
        return .milliseconds(ms)
    }

    /// Whether `loop run` should draw one: stdout is a terminal, no `NO_COLOR`/`CI`/`TERM=dumb`,
    /// and not a task of a batch (its tasks share the terminal: their tagged lines stay plain).
    static func isWanted(plain: Bool, quiet: Bool) -> Bool {
        !plain && !quiet && Terminal.isTerminal(1) && !Terminal.prefersPlain()
            && ProcessInfo.processInfo.environment[Console.taskTagVariable] == nil
    }

    /// Installs the view as the console overlay and starts the redraws.
    func start() {
        Console.overlay.set(self)
        refresh()
        let interval = interval
        ticker.set(
            Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    self?.refresh()
                }
            })
    }

    /// Stops the redraws and erases the block, leaving only the scrolled lines.
    func stop() {
        ticker.value?.cancel()
        Console.overlay.set(nil)
        screen.withLock { screen in
            Self.output(Self.erase(screen.drawn) + ANSI.showCursor, toStandardError: false)
            screen.drawn = []
            screen.isStopped = true
        }
    }

    // MARK: - ConsoleOverlay

    func write(_ text: String, toStandardError: Bool) {
        screen.withLock { screen in
            Self.output(Self.erase(screen.drawn), toStandardError: false)
            Self.output(text, toStandardError: toStandardError)
            screen.drawn = []
            Self.draw(&screen)
        }
    }

    func agentLine(_ role: Role, _ line: String) {
        let cleaned = line.filter { !$0.isASCII || ($0.asciiValue ?? 0) >= 32 }.trimmingCharacters(in: .whitespaces)
        guard !cleaned.isEmpty else { return }
        screen.withLock { $0.lastAgentLine = cleaned }
    }

    // MARK: - Drawing

    /// Reads the files (outside the lock) and redraws.
    private func refresh() {
        let stamp = [paths.state, ControlRequest.path(paths)].map(Self.stamp)
        let snapshot = stamp == screen.value.filesStamp ? nil : Self.readSnapshot(paths)
        let knownSize = screen.value.usageSize
        let runID = snapshot?.runID ?? screen.value.snapshot?.runID
        let usage = runID.flatMap { Self.usageIfChanged(paths, runID: $0, knownSize: knownSize) }
        screen.withLock { screen in
            if let snapshot {
                screen.snapshot = snapshot
                screen.filesStamp = stamp
            }
            if let usage {
                screen.usageSize = usage.size
                screen.spentTokens = usage.tokens
                screen.spentCost = usage.cost
            }
            Self.output(Self.erase(screen.drawn), toStandardError: false)
            screen.drawn = []
            Self.draw(&screen)
        }
    }

    private static func draw(_ screen: inout Screen) {
        guard !screen.isStopped, let snapshot = screen.snapshot else { return }
        let width = max(20, (Terminal.columns(1) ?? 80) - 1)
        var lines = [
            ">> \(snapshot.taskID) · round \(snapshot.round)/\(snapshot.maxRounds) · \(snapshot.activity)"
                + (snapshot.startedAt.map { " · \(elapsed(since: $0))" } ?? "")
        ]
        if let last = screen.lastAgentLine { lines.append("   last: \(last)") }
        if screen.spentTokens > 0 || snapshot.maxTokens > 0 || snapshot.maxCost > 0 {
            var spent = "   spent: \(screen.spentTokens) tokens"
            if snapshot.maxTokens > 0 { spent += " of \(snapshot.maxTokens)" }
            spent += String(format: " · $%.4f", screen.spentCost)
            if snapshot.maxCost > 0 { spent += String(format: " of $%.2f", snapshot.maxCost) }
            lines.append(spent)
        }
        let text = lines.map { cut($0, to: width) + ANSI.clearToEndOfLine + "\n" }.joined()
        output(ANSI.hideCursor + text, toStandardError: false)
        screen.drawn = lines.map { cut($0, to: width).count }
    }

    /// Moves up over the block and clears from there to the end of the screen.
    private static func erase(_ lengths: [Int]) -> String {
        guard !lengths.isEmpty else { return "" }
        let columns = max(1, Terminal.columns(1) ?? 80)
        let rows = lengths.reduce(0) { $0 + max(1, ($1 + columns - 1) / columns) }
        return ANSI.up(rows) + ANSI.clearToEndOfScreen
    }

    private static func cut(_ line: String, to width: Int) -> String {
        line.count <= width ? line : String(line.prefix(width - 1)) + "…"
    }

    private static func output(_ text: String, toStandardError: Bool) {
        guard !text.isEmpty else { return }
        (toStandardError ? FileHandle.standardError : FileHandle.standardOutput).write(Data(text.utf8))
    }

    // MARK: - Reading the bus

    /// A file's modification time and size, or `-` when it is missing.
    private static func stamp(_ path: String) -> String {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return "-" }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(modified)/\(attributes[.size] as? UInt64 ?? 0)"
    }

    private static func readSnapshot(_ paths: BusPaths) -> Snapshot? {
        guard let state = try? RunState.load(from: paths.state) else { return nil }
        var activity: String
        switch state.phase {
        case .working: activity = "worker (\(state.options.workerBackend)) working"
        case .verifying: activity = "verifying"
        case .reviewing: activity = "reviewer (\(state.options.reviewerBackend)) reviewing"
        case .fixing: activity = "writing the fix list"
        default: activity = state.phase.rawValue
        }
        if let until = state.limitUntil.flatMap(Timestamp.parse) {
            activity = "waiting for a usage limit until \(until.formatted(.dateTime.hour().minute()))"
        }
        if RunControl(paths: paths, runID: state.runID).current() == .pause {
            activity += " · PAUSED (`loop continue` goes on)"
        }
        return Snapshot(
            taskID: state.taskID, runID: state.runID, round: state.round, maxRounds: state.maxRounds,
            activity: activity,
            startedAt: Timestamp.parse(state.startedAt), maxTokens: state.options.maxTokens,
            maxCost: state.options.maxCost)
    }

    /// The run's spend, re-read only when `usage.jsonl` changed size (it only grows).
    private static func usageIfChanged(_ paths: BusPaths, runID: String, knownSize: UInt64)
        -> (size: UInt64, tokens: Int, cost: Double)?
    {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: paths.usage)[.size]) as? UInt64,
            size != knownSize
        else { return nil }
        let summary = UsageSummary.load(
            paths.usage, runID: runID, prices: OptionResolver.prices(configPath: paths.config))
        return (size, summary.tokens, summary.costUSD)
    }

    private static func elapsed(since start: Date) -> String {
        let seconds = max(0, Int(Date().timeIntervalSince(start)))
        let (hours, minutes, secs) = (seconds / 3600, seconds / 60 % 60, seconds % 60)
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }
}
