import Foundation
import LoopCore

/// `loop status --watch`: redraws the status block from the bus files only (never the lock,
/// never git), so it works from a second terminal or over ssh while a run goes on.
///
/// On a terminal the block is redrawn in place; otherwise (a pipe, a log file) a new block is
/// printed only when something changed. It ends on Ctrl+C, and by itself once the run has
/// finished (a result is saved and no PM holds the lock).
struct StatusWatch {
    var paths: BusPaths
    var interval: Duration
    var inPlace: Bool

    func run() async {
        let interrupts = Interrupts()
        var last: StatusReport?
        var shownError: String?
        if inPlace { write(ANSI.home + ANSI.clearScreen) }
        repeat {
            do {
                let report = try StatusReport.read(paths)
                shownError = nil
                if inPlace {
                    redraw(report.lines + [footer(report)])
                } else if report != last {
                    emit(["--- \(Self.clock())"] + report.lines + [""])
                }
                last = report
                if Self.isFinished(report) {
                    if inPlace { emit([]) }
                    return
                }
            } catch {
                // A state file being replaced cannot be half-read (atomic rename); a broken one can.
                let message = "loop: \(error.localizedDescription)"
                if message != shownError { inPlace ? redraw([message]) : emit([message]) }
                shownError = message
            }
        } while await interrupts.sleep(interval)
        if inPlace { emit([]) }
    }

    /// A run is over for the watcher when it has a result and no PM holds the lock.
    static func isFinished(_ report: StatusReport) -> Bool {
        report.result != nil && !report.lock.held
    }

    private func footer(_ report: StatusReport) -> String {
        "\(Self.clock()) · every \(interval.formattedSeconds) · Ctrl+C to quit"
    }

    /// Cursor home, each line cleared to its end, then the rest of the screen cleared.
    private func redraw(_ lines: [String]) {
        let body = lines.map { $0 + ANSI.clearToEndOfLine }.joined(separator: "\n")
        write(ANSI.home + body + "\n" + ANSI.clearToEndOfScreen)
    }

    private func emit(_ lines: [String]) {
        write(lines.map { $0 + "\n" }.joined())
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func clock() -> String {
        Date().formatted(.dateTime.hour(.twoDigits(amPM: .omitted)).minute(.twoDigits).second(.twoDigits))
    }
}

/// The few ANSI sequences the live displays use, written by hand (no terminal library).
enum ANSI {
    static let escape = "\u{1B}["
    static let home = escape + "H"
    static let clearScreen = escape + "2J"
    static let clearToEndOfLine = escape + "K"
    static let clearToEndOfScreen = escape + "J"
    static let hideCursor = escape + "?25l"
    static let showCursor = escape + "?25h"
    /// Moves the cursor up `count` lines to column 1.
    static func up(_ count: Int) -> String { count > 0 ? escape + "\(count)F" : "\r" }
}

extension Duration {
    /// `2 s`, `0.5 s`.
    var formattedSeconds: String {
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }
}
