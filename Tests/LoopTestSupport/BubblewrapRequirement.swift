import Foundation

/// Whether tests that need bubblewrap can run here, decided once per test process.
///
/// Such tests carry `.enabled(if: BubblewrapRequirement.shouldRun)`: without a usable `bwrap`
/// they show up as skipped (never as passed), and in CI (`CI=true`) they always run, so a
/// missing or broken bubblewrap fails the build instead of hiding.
package enum BubblewrapRequirement {
    /// `CI` is set to `true` (or `1`), as `.ci/run` does.
    package static let isCI: Bool = {
        let value = ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? ""
        return value == "true" || value == "1"
    }()

    /// A `bwrap` on `PATH` that can create a sandbox with every namespace unshared.
    package static let isUsable: Bool = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard
            let bwrap = path.split(separator: ":").map({ "\($0)/bwrap" }).first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bwrap)
        process.arguments = [
            "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--", "/bin/sh", "-c", "true",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus == 0
        } catch {
            return false
        }
    }()

    /// Run the test: bubblewrap works, or this is CI (where its absence must fail).
    package static var shouldRun: Bool { isUsable || isCI }
}
