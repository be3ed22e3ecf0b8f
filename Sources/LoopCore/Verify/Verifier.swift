import Foundation

/// The result of one verify command: evidence the PM gathered itself.
public struct VerifyResult: Codable, Sendable, Equatable {
    public var command: String
    public var exitCode: Int32?
    public var passed: Bool
    public var timedOut: Bool
    public var durationS: Double
    /// Bounded output: the head and the tail, the middle cut with a notice.
    public var output: String
    /// Test counts the command's test runner printed (pytest, swift test, go, cargo, node, …).
    public var tests: TestCounts?

    enum CodingKeys: String, CodingKey {
        case command, passed, output, tests
        case exitCode = "exit_code"
        case timedOut = "timed_out"
        case durationS = "duration_s"
    }

    public init(command: String, exitCode: Int32?, passed: Bool, timedOut: Bool, durationS: Double, output: String) {
        self.command = command
        self.exitCode = exitCode
        self.passed = passed
        self.timedOut = timedOut
        self.durationS = durationS
        self.output = output
        tests = TestCounts.parse(output)
    }
}

/// Runs the task card's `verify` commands in the workdir, each in its own process group with
/// a timeout, and keeps bounded output as evidence for the reviewer and the fix list.
public struct Verifier: Sendable {
    public var workdir: String
    public var timeout: Int
    public var logPath: String
    public var environment: [String: String]

    public init(workdir: String, timeout: Int, logPath: String, environment: [String: String] = [:]) {
        self.workdir = workdir
        self.timeout = timeout
        self.logPath = logPath
        self.environment = environment
    }

    /// Output kept per command: head and tail of this many bytes each.
    public static let keptBytes = 4 * 1024

    public func run(_ commands: [String]) async throws -> [VerifyResult] {
        var results: [VerifyResult] = []
        for command in commands {
            try Task.checkCancellation()
            let lines = Locked<[String]>([])
            let outcome = try await ProcessRunner.run(
                ProcessSpec(
                    arguments: ["bash", "-c", command], workingDirectory: workdir, environment: environment,
                    timeout: timeout > 0 ? .seconds(timeout) : nil, killGrace: .seconds(3), logPath: logPath)
            ) { _, line in lines.withLock { $0.append(line) } }
            if outcome.end == .cancelled { throw CancellationError() }
            let passed = outcome.end == .exited && outcome.exitCode == 0
            results.append(
                VerifyResult(
                    command: command, exitCode: outcome.exitCode, passed: passed, timedOut: outcome.end == .timedOut,
                    durationS: (outcome.duration * 1000).rounded() / 1000,
                    output: Verifier.bounded(lines.value.joined(separator: "\n"))))
        }
        return results
    }

    /// Keeps the head and tail of long output with a notice in the middle.
    public static func bounded(_ text: String, keep: Int = keptBytes) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count > keep * 2 else { return text }
        let head = String(decoding: bytes.prefix(keep), as: UTF8.self)
        let tail = String(decoding: bytes.suffix(keep), as: UTF8.self)
        return head + "\n…[\(bytes.count - keep * 2) bytes cut]…\n" + tail
    }
}
