import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Test-only crash points: with `LOOP_TESTING=1` and `LOOP_FAULT=<point>[:<file>][@<n>]`, the
/// process kills itself with SIGKILL the n-th time (default: first) it reaches that point.
///
/// Points: `write.before_temp`, `write.after_temp`, `write.after_rename` (every atomic bus
/// write; `<file>` narrows to one file name) and `state.<event>` (right after each state
/// transition is saved, e.g. `state.worker_finished`). Ignored entirely unless
/// `LOOP_TESTING=1`, so a stray variable cannot hurt a user's run.
package enum FaultInjection {
    private struct Spec {
        var point: String
        var file: String?
        var occurrence: Int
    }

    private static let spec: Spec? = {
        let env = ProcessInfo.processInfo.environment
        guard env["LOOP_TESTING"] == "1", let fault = env["LOOP_FAULT"], !fault.isEmpty else { return nil }
        var text = fault
        var occurrence = 1
        if let at = text.lastIndex(of: "@"), let n = Int(text[text.index(after: at)...]), n >= 1 {
            occurrence = n
            text = String(text[..<at])
        }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        return Spec(point: parts[0], file: parts.count > 1 ? parts[1] : nil, occurrence: occurrence)
    }()

    private static let hits = Mutex(0)

    /// Kills the process when `point` (and `file`, when the spec names one) matches the spec
    /// for the configured occurrence.
    package static func hit(_ point: String, file: String? = nil) {
        guard let spec, spec.point == point else { return }
        if let wanted = spec.file, wanted != file { return }
        let count = hits.withLock { count in
            count += 1
            return count
        }
        if count == spec.occurrence { kill(getpid(), SIGKILL) }
    }
}
