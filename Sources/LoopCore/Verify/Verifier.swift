import Foundation

/// The result of one verify command: evidence the PM gathered itself.
package struct VerifyResult: Codable, Sendable, Equatable {
    package var command: String
    package var exitCode: Int32?
    package var passed: Bool
    package var timedOut: Bool
    package var durationS: Double
    /// Bounded output: the head and the tail, the middle cut with a notice.
    package var output: String
    /// Test counts the command's test runner printed (pytest, swift test, go, cargo, node, …).
    package var tests: TestCounts?

    enum CodingKeys: String, CodingKey {
        case command, passed, output, tests
        case exitCode = "exit_code"
        case timedOut = "timed_out"
        case durationS = "duration_s"
    }

    package init(command: String, exitCode: Int32?, passed: Bool, timedOut: Bool, durationS: Double, output: String) {
        self.command = command
        self.exitCode = exitCode
        self.passed = passed
        self.timedOut = timedOut
        self.durationS = durationS
        self.output = output
        tests = TestCounts.parse(output)
    }
}

/// How verify commands are confined.
package struct VerifySandbox: Sendable, Equatable {
    /// False only with `--unsafe-verify`: plain `bash -c` with the PM's environment.
    package var isEnabled: Bool
    /// `verify_network: true` (card or config): keep the host network inside the sandbox.
    package var allowsNetwork: Bool
    /// The `bwrap` to use; nil looks it up on `PATH`.
    package var bwrapPath: String?
    /// Largest file a verify command may write, and the size of its `/tmp`.
    package var maxFileBytes: Int

    package init(
        isEnabled: Bool = true, allowsNetwork: Bool = false, bwrapPath: String? = nil, maxFileBytes: Int = 4 << 30
    ) {
        self.isEnabled = isEnabled
        self.allowsNetwork = allowsNetwork
        self.bwrapPath = bwrapPath
        self.maxFileBytes = maxFileBytes
    }

    /// The line every round's verify log starts with.
    package var logLine: String {
        guard isEnabled else {
            return "verify commands run WITHOUT a sandbox (--unsafe-verify): full environment, network and file system"
        }
        return "verify commands run in bubblewrap: worktree writable, private /tmp, toolchain read-only, "
            + (allowsNetwork ? "network allowed (verify_network)" : "no network")
            + ", secrets removed from the environment"
    }
}

/// Runs the task card's `verify` commands in the workdir, each in its own process group with
/// a timeout, and keeps bounded output as evidence for the reviewer and the fix list.
///
/// Verify commands execute code the model just wrote, so they run in the same bubblewrap
/// sandbox as the agent's shell (`BubblewrapCommand`): the worktree writable, a private
/// `/tmp`, the toolchain read-only, no network unless `verify_network`, and the PM's
/// environment without anything that looks like a credential.
package struct Verifier: Sendable {
    package var workdir: String
    package var timeout: Int
    package var logPath: String
    package var environment: [String: String]
    package var sandbox: VerifySandbox
    /// When the run's duration budget runs out (nil: no duration budget). A command may run at
    /// most until then; one that is still running is ended and the run stops out of time.
    package var budgetEnd: ContinuousClock.Instant?

    package init(
        workdir: String, timeout: Int, logPath: String, environment: [String: String] = [:],
        sandbox: VerifySandbox = VerifySandbox(), budgetEnd: ContinuousClock.Instant? = nil
    ) {
        self.workdir = workdir
        self.timeout = timeout
        self.logPath = logPath
        self.environment = environment
        self.sandbox = sandbox
        self.budgetEnd = budgetEnd
    }

    /// Output kept per command: head and tail of this many bytes each.
    package static let keptBytes = 4 * 1024

    /// Runs each command; a sandbox that cannot start is a round failure naming the fix.
    /// - Throws: `DurationBudgetCut` when the duration budget ran out before or during a
    ///   command (the results so far are dropped: `--resume` runs verify again).
    package func run(_ commands: [String]) async throws -> [VerifyResult] {
        guard !commands.isEmpty else { return [] }
        OutputLog(path: logPath, limit: 1 << 20).note(sandbox.logLine)
        let launch = try await launcher()
        var results: [VerifyResult] = []
        for command in commands {
            try Task.checkCancellation()
            let lines = Locked<[String]>([])
            var spec = launch(command)
            // Computed once per command: the verify timeout, or what the budget leaves if less.
            let budgetLeft = budgetEnd.map { ($0 - ContinuousClock.now).seconds }
            if let budgetLeft, budgetLeft <= 0 { throw DurationBudgetCut(what: "verify") }
            let allowance = TimeAllowance(timeout: timeout, budgetLeft: budgetLeft)
            spec.timeout = allowance.seconds > 0 ? .seconds(allowance.seconds) : nil
            spec.killGrace = .seconds(3)
            spec.logPath = logPath
            let outcome = try await ProcessRunner.run(spec) { _, line in lines.withLock { $0.append(line) } }
            if outcome.end == .cancelled { throw CancellationError() }
            if outcome.end == .timedOut, allowance.isBudget { throw DurationBudgetCut(what: "verify") }
            let passed = outcome.end == .exited && outcome.exitCode == 0
            results.append(
                VerifyResult(
                    command: command, exitCode: outcome.exitCode, passed: passed, timedOut: outcome.end == .timedOut,
                    durationS: (outcome.duration * 1000).rounded() / 1000,
                    output: Verifier.bounded(lines.value.joined(separator: "\n"))))
        }
        return results
    }

    /// The process spec for one command: in bubblewrap, or plain `bash -c` when unsafe.
    private func launcher() async throws -> @Sendable (String) -> ProcessSpec {
        let host = ProcessInfo.processInfo.environment
        guard sandbox.isEnabled else {
            let (workdir, environment) = (workdir, environment)
            return { command in
                ProcessSpec(arguments: ["bash", "-c", command], workingDirectory: workdir, environment: environment)
            }
        }
        guard case .usable(let bwrap) = await BubblewrapProbe.detect(explicitPath: sandbox.bwrapPath) else {
            throw LoopError.roundFailed(
                "verify commands need bubblewrap, which is not usable here; \(BubblewrapProbe.installHint) or pass --unsafe-verify"
            )
        }
        var inside = SecretEnvironment.scrubbed(host)
        inside["HOME"] = "/tmp"
        inside["TMPDIR"] = "/tmp"
        for (name, value) in environment where !SecretEnvironment.isSecretName(name) { inside[name] = value }
        let builder = BubblewrapCommand(
            bwrapPath: bwrap, shellPath: Preflight.findOnPath("bash") ?? "/bin/bash", workspace: workdir,
            environment: inside, hiddenPaths: BubblewrapCommand.defaultHiddenPaths(home: host["HOME"]),
            maxFileBytes: sandbox.maxFileBytes, allowsNetwork: sandbox.allowsNetwork,
            mounts: SandboxMounts.system(environment: host))
        let (workdir, runEnvironment) = (workdir, environment)
        return { command in
            var spec = ProcessSpec(
                arguments: builder.arguments(for: command), workingDirectory: workdir, environment: runEnvironment,
                removedEnvironment: Array(host.keys))
            spec.newSession = true
            return spec
        }
    }

    /// Keeps the head and tail of long output with a notice in the middle.
    package static func bounded(_ text: String, keep: Int = keptBytes) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count > keep * 2 else { return text }
        let head = String(decoding: bytes.prefix(keep), as: UTF8.self)
        let tail = String(decoding: bytes.suffix(keep), as: UTF8.self)
        return head + "\n…[\(bytes.count - keep * 2) bytes cut]…\n" + tail
    }
}

/// `run/verify.json` and `run/baseline_verify.json` hold a round's results as one array.
extension Array: BusDocument where Element == VerifyResult {}
