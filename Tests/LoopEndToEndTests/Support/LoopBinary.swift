import Foundation

/// Finds the `loop` executable that `swift build` / `swift test` built for this package.
///
/// The end-to-end tests run the real binary, never the libraries behind it, so a wiring
/// mistake in `Sources/loop` or `LoopCLI` fails here.
enum LoopBinary {
    /// Absolute path of the built `loop`; `LOOP_E2E_BINARY` overrides it (e.g. an installed copy).
    static let path: String = {
        if let override = ProcessInfo.processInfo.environment["LOOP_E2E_BINARY"], !override.isEmpty {
            return override
        }
        let fileManager = FileManager.default
        for candidate in candidates where fileManager.isExecutableFile(atPath: candidate.path) {
            return candidate.standardizedFileURL.path
        }
        // Nothing found: the first candidate, so the failure names where we looked.
        return candidates.first?.path ?? "loop"
    }()

    /// Where the binary may be: next to the test runner (same configuration), then the
    /// package's `.build/debug`.
    private static var candidates: [URL] {
        var urls: [URL] = []
        if let runner = Bundle.main.executableURL {
            urls.append(runner.deletingLastPathComponent().appendingPathComponent("loop"))
        }
        urls.append(Bundle.main.bundleURL.appendingPathComponent("loop"))
        urls.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("loop"))
        let packageRoot = URL(fileURLWithPath: #filePath)  // Tests/LoopEndToEndTests/Support/LoopBinary.swift
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        urls.append(packageRoot.appendingPathComponent(".build/debug/loop"))
        return urls
    }
}
