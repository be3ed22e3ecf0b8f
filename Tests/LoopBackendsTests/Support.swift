import Foundation
import LoopCore
import Testing

@testable import LoopBackends

/// Fixture files and small builders shared by the suites.
enum Fixture {
    /// The lines of `Fixtures/<name>` (without newlines).
    static func lines(_ name: String) throws -> [String] {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"),
            "fixture \(name) is missing")
        let text = try String(contentsOf: url, encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Feeds a fixture to a fresh parser of `kind` and returns what it learned.
    static func parse(_ name: String, with kind: ParserKind, stream: LoopCore.OutputStream = .stdout) throws
        -> ParsedOutput
    {
        var parser = kind.makeParser()
        for line in try lines(name) { parser.consume(line, from: stream) }
        parser.finish()
        return parser.output
    }
}

/// A dispatch request with test defaults; override what a test is about.
func makeRequest(
    backend: String = "codex", role: Role = .worker, model: String? = nil, prompt: String = "Do the task.",
    folder: String = "/tmp/loop-test", timeout: Int = 0
) -> DispatchRequest {
    DispatchRequest(
        role: role, backend: backend, model: model, prompt: prompt, promptFile: "\(folder)/prompt.md",
        workdir: "\(folder)/work", reportPath: "\(folder)/bus/work_report.json", busDir: "\(folder)/bus",
        taskID: "T-7", round: 2, runID: "run-abc123", logPath: "\(folder)/logs/r2_worker.log", timeout: timeout,
        idleTimeout: 0)
}

/// A `backends:` entry built field by field.
func makeConfig(
    command: [String]? = nil, program: String? = nil, args: [String]? = nil, model: String? = nil,
    promptVia: String? = nil, rateLimitPattern: String? = nil, writesReport: Bool? = nil,
    env: [String: String]? = nil, installHint: String? = nil, parser: String? = nil
) -> BackendConfig {
    var config = BackendConfig(command: command)
    config.program = program
    config.args = args
    config.model = model
    config.promptVia = promptVia
    config.rateLimitPattern = rateLimitPattern
    config.writesReport = writesReport
    config.env = env
    config.installHint = installHint
    config.parser = parser
    return config
}

/// A fresh temporary folder, removed by `cleanUp()`.
struct TempFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "loop-backends-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes an executable script and returns its path.
    func script(_ name: String, _ body: String) throws -> String {
        let file = "\(path)/\(name)"
        try body.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file)
        return file
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
