#if canImport(Glibc)
    import Glibc
#endif
import Foundation

/// Test-only crash points: with `LOOP_TESTING=1` and `LOOP_FAULT=<point>[:<file>]`, the
/// process kills itself with SIGKILL when it reaches that point.
///
/// Ignored entirely unless `LOOP_TESTING=1`, so a stray variable cannot hurt a user's run.
public enum FaultInjection {
    private static let spec: (point: String, file: String?)? = {
        let env = ProcessInfo.processInfo.environment
        guard env["LOOP_TESTING"] == "1", let fault = env["LOOP_FAULT"], !fault.isEmpty else { return nil }
        let parts = fault.split(separator: ":", maxSplits: 1).map(String.init)
        return (parts[0], parts.count > 1 ? parts[1] : nil)
    }()

    /// Kills the process when `point` (and `file`, when the spec names one) matches the fault spec.
    public static func hit(_ point: String, file: String? = nil) {
        guard let spec, spec.point == point else { return }
        if let wanted = spec.file, wanted != file { return }
        kill(getpid(), SIGKILL)
    }
}
