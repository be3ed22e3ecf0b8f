import Foundation

/// The `loop` executable under test: the one `swift build` made for this package.
///
/// Found from this file's path (`Tests/LoopReliabilityTests/Harness/Binary.swift` → package
/// root → `.build/debug/loop`), next to the test runner otherwise. `LOOP_RELIABILITY_BINARY`
/// overrides it (e.g. a release build).
enum Binary {
    static let loop: String = {
        if let override = ProcessInfo.processInfo.environment["LOOP_RELIABILITY_BINARY"], !override.isEmpty {
            return override
        }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            return URL(fileURLWithPath: candidate).standardizedFileURL.path
        }
        return candidates[0]
    }()

    /// The package root, four levels above this file.
    static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    private static var candidates: [String] {
        var paths = ["\(packageRoot)/.build/debug/loop"]
        if let runner = Bundle.main.executableURL {
            paths.append(runner.deletingLastPathComponent().appendingPathComponent("loop").path)
        }
        paths.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("loop").path)
        return paths
    }
}
