import Foundation

/// Finds the `loop` executable that `swift build` / `swift test` built for this package.
///
/// The end-to-end and reliability tests run the real binary, never the libraries behind it,
/// so a wiring mistake in `Sources/loop` or `LoopCLI` fails there.
package enum LoopBinary {
    /// Absolute path of the built `loop`; `LOOP_TEST_BINARY` overrides it (e.g. an installed
    /// copy or a release build).
    package static let path: String = {
        if let override = ProcessInfo.processInfo.environment["LOOP_TEST_BINARY"], !override.isEmpty {
            return override
        }
        let fileManager = FileManager.default
        for candidate in candidates where fileManager.isExecutableFile(atPath: candidate.path) {
            return candidate.standardizedFileURL.path
        }
        // Nothing found: the first candidate, so the failure names where we looked.
        return candidates.first?.path ?? "loop"
    }()

    /// The package root, found from this file's path
    /// (`Tests/LoopTestSupport/Harness/LoopBinary.swift`, four levels below it).
    package static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Where the binary may be: next to the test runner (same configuration), then the
    /// package's `.build/debug`.
    private static var candidates: [URL] {
        var urls: [URL] = []
        if let runner = Bundle.main.executableURL {
            urls.append(runner.deletingLastPathComponent().appendingPathComponent("loop"))
        }
        urls.append(Bundle.main.bundleURL.appendingPathComponent("loop"))
        urls.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("loop"))
        urls.append(URL(fileURLWithPath: packageRoot).appendingPathComponent(".build/debug/loop"))
        return urls
    }
}
