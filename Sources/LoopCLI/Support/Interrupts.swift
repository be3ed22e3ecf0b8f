import Foundation
import LoopCore

/// Ctrl+C (SIGINT) and SIGTERM for commands that run until a person stops them
/// (`status --watch`, `events --follow`): the signal ends the wait, and the command exits 0
/// instead of dying with 130.
final class Interrupts {
    /// Keeps the signal sources alive as long as the command runs.
    private let trap: SignalTrap
    private let received = Locked(false)
    private let listener: Task<Void, Never>

    init() {
        trap = SignalTrap([SIGINT, SIGTERM])
        let received = received
        let signals = trap.signals
        listener = Task {
            for await _ in signals { received.set(true) }
        }
    }

    deinit { listener.cancel() }

    /// True once a signal arrived.
    var isInterrupted: Bool { received.value }

    /// Sleeps `duration` in short steps; returns false (early) once a signal arrived.
    func sleep(_ duration: Duration) async -> Bool {
        let step = Duration.milliseconds(100)
        var left = duration
        while left > .zero {
            if isInterrupted { return false }
            let now = min(step, left)
            try? await Task.sleep(for: now)
            left -= now
        }
        return !isInterrupted
    }
}
