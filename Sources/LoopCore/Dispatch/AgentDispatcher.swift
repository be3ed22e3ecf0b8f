package import Foundation

/// Everything a backend needs to run one agent for one role in one round.
package struct DispatchRequest: Sendable, Equatable {
    package var role: Role
    /// Registry name of the backend (`codex`, `claude`, a `command` backend, ...).
    package var backend: String
    /// Model override for this role, if any.
    package var model: String?
    /// The rendered prompt.
    package var prompt: String
    /// Absolute path of a file holding `prompt` (the PM writes it before dispatching).
    package var promptFile: String
    /// Folder the agent works in (the task worktree, or the checkout with `--in-place`).
    package var workdir: String
    /// Absolute path of the report file the agent must write.
    package var reportPath: String
    /// Absolute path of the bus folder.
    package var busDir: String
    package var taskID: String
    package var round: Int
    /// The dispatch's fresh run id: the report must echo it. Also `LOOP_RUN_ID`.
    package var runID: String
    /// Where the agent's output is streamed, line by line.
    package var logPath: String
    /// Whole-dispatch limit in seconds (0 = none).
    package var timeout: Int
    /// Limit on silence (no output at all) in seconds (0 = none).
    package var idleTimeout: Int
    /// Heartbeat file the dispatcher refreshes while the agent runs (nil = none).
    package var heartbeatPath: String?
    package var heartbeatInterval: Int
    /// Whether the agent's output lines are also printed, prefixed with role and round (`--verbose`).
    package var echoesOutput: Bool = false
    /// Values the round engine passes to this agent (`LOOP_TOKENS_LEFT`, `LOOP_UNSAFE_SHELL`),
    /// merged into the agent process's environment over everything else. The engine never
    /// changes its own environment to reach an agent.
    package var agentEnvironment: [String: String] = [:]
    /// The card lane this dispatch works for (nil outside lanes): `{lane_id}` / `LOOP_LANE_ID`.
    package var laneID: String?
    /// The lane's `owner_paths`: `LOOP_OWNER_PATHS`, one per line.
    package var ownerPaths: [String] = []

    package init(
        role: Role, backend: String, model: String?, prompt: String, promptFile: String, workdir: String,
        reportPath: String, busDir: String, taskID: String, round: Int, runID: String, logPath: String,
        timeout: Int, idleTimeout: Int, heartbeatPath: String? = nil, heartbeatInterval: Int = 15
    ) {
        self.role = role
        self.backend = backend
        self.model = model
        self.prompt = prompt
        self.promptFile = promptFile
        self.workdir = workdir
        self.reportPath = reportPath
        self.busDir = busDir
        self.taskID = taskID
        self.round = round
        self.runID = runID
        self.logPath = logPath
        self.timeout = timeout
        self.idleTimeout = idleTimeout
        self.heartbeatPath = heartbeatPath
        self.heartbeatInterval = heartbeatInterval
    }

    /// Values for `{placeholders}` in command templates and `LOOP_*` environment variables.
    /// `{review_request}` and `{fix_list}` are empty when the role has no such file this round.
    package var placeholders: [String: String] {
        [
            "prompt_file": promptFile, "prompt": prompt, "workdir": workdir, "report_path": reportPath,
            "role": role.rawValue, "round": String(round), "task_id": taskID, "run_id": runID, "bus_dir": busDir,
            "review_request": reviewRequestPath ?? "", "fix_list": fixListPath ?? "", "lane_id": laneID ?? "",
        ]
    }

    /// The `LOOP_*` environment every agent process gets; `LOOP_REVIEW_REQUEST` (reviewer) and
    /// `LOOP_FIX_LIST` (worker, rounds ≥ 2) only when that file exists.
    package var environment: [String: String] {
        var environment = [
            "LOOP_PROMPT_FILE": promptFile, "LOOP_WORKDIR": workdir, "LOOP_REPORT_PATH": reportPath,
            "LOOP_ROLE": role.rawValue, "LOOP_ROUND": String(round), "LOOP_TASK_ID": taskID,
            "LOOP_RUN_ID": runID, "LOOP_BUS_DIR": busDir,
        ]
        if let reviewRequestPath { environment["LOOP_REVIEW_REQUEST"] = reviewRequestPath }
        if let fixListPath { environment["LOOP_FIX_LIST"] = fixListPath }
        if let laneID {
            environment["LOOP_LANE_ID"] = laneID
            environment["LOOP_OWNER_PATHS"] = ownerPaths.joined(separator: "\n")
        }
        return environment
    }

    /// The review request the reviewer judges (a lane's own for a lane review), when it exists.
    package var reviewRequestPath: String? {
        let path = laneID.map { "\(busDir)/review_requests/\($0).json" } ?? "\(busDir)/\(BusPaths.reviewRequest)"
        return role == .reviewer && FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The fix list the worker must address (rounds ≥ 2), when it exists.
    package var fixListPath: String? {
        let path = "\(busDir)/\(BusPaths.fixList)"
        return role == .worker && round > 1 && FileManager.default.fileExists(atPath: path) ? path : nil
    }
}

/// Tokens and money an agent reported spending.
package struct TokenUsage: Codable, Sendable, Equatable {
    package var inputTokens: Int
    package var outputTokens: Int
    package var cachedInputTokens: Int
    package var costUSD: Double?

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case cachedInputTokens = "cached_input_tokens"
        case costUSD = "cost_usd"
    }

    package init(inputTokens: Int = 0, outputTokens: Int = 0, cachedInputTokens: Int = 0, costUSD: Double? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedInputTokens = cachedInputTokens
        self.costUSD = costUSD
    }

    /// Sums two usages (cost stays nil only when both are nil).
    package static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(
            inputTokens: lhs.inputTokens + rhs.inputTokens, outputTokens: lhs.outputTokens + rhs.outputTokens,
            cachedInputTokens: lhs.cachedInputTokens + rhs.cachedInputTokens,
            costUSD: (lhs.costUSD == nil && rhs.costUSD == nil) ? nil : (lhs.costUSD ?? 0) + (rhs.costUSD ?? 0))
    }
}

/// An agent hit a usage or rate limit: not a failure, a reason to wait.
package struct RateLimit: Sendable, Equatable {
    /// The agent's own words, one line.
    package var message: String
    /// When the limit resets, when the agent said so.
    package var resetAt: Date?

    package init(message: String, resetAt: Date? = nil) {
        self.message = message
        self.resetAt = resetAt
    }
}

/// How a process run ended.
package enum ProcessEnd: String, Codable, Sendable {
    /// The process exited (or was killed by someone else); see the exit code/signal.
    case exited
    /// The whole-dispatch timeout fired and the group was killed.
    case timedOut = "timed_out"
    /// No output for the idle timeout; treated as hung and killed.
    case idle = "idle_timeout"
    /// Our task was cancelled (signal to the PM); the group was killed.
    case cancelled
}

/// What one dispatch produced.
package struct DispatchResult: Sendable, Equatable {
    package var end: ProcessEnd
    /// Exit code when the process exited normally.
    package var exitCode: Int32?
    /// Signal number when it was killed by a signal.
    package var signal: Int32?
    /// Wall time in seconds.
    package var duration: Double
    /// The agent's final message, from its output format.
    package var finalMessage: String?
    package var sessionID: String?
    package var usage: TokenUsage?
    /// Set when the output says a usage/rate limit was hit.
    package var rateLimit: RateLimit?
    /// An error the agent's output reported (e.g. an error event).
    package var errorMessage: String?
    /// The error cannot be fixed by retrying (authentication, unknown model, bad arguments).
    package var isPermanentError: Bool
    /// The last few KiB of output, for error messages and PM-made reports.
    package var outputTail: String
    /// Whether the backend writes its own report; false means the PM makes the work report.
    package var writesReport: Bool
    /// The agent's process group, which the PM ends after waiting for the report.
    package var processGroup: Int32?

    package init(
        end: ProcessEnd, exitCode: Int32?, signal: Int32? = nil, duration: Double, finalMessage: String? = nil,
        sessionID: String? = nil, usage: TokenUsage? = nil, rateLimit: RateLimit? = nil, errorMessage: String? = nil,
        isPermanentError: Bool = false, outputTail: String = "", writesReport: Bool = true, processGroup: Int32? = nil
    ) {
        self.end = end
        self.exitCode = exitCode
        self.signal = signal
        self.duration = duration
        self.finalMessage = finalMessage
        self.sessionID = sessionID
        self.usage = usage
        self.rateLimit = rateLimit
        self.errorMessage = errorMessage
        self.isPermanentError = isPermanentError
        self.outputTail = outputTail
        self.writesReport = writesReport
        self.processGroup = processGroup
    }

    /// True when the process ran to completion with exit code 0.
    package var succeeded: Bool { end == .exited && exitCode == 0 }

    /// One line describing how it ended, e.g. "exit 2", "killed by signal 9", "timed out after 600 s".
    package var endDescription: String {
        switch end {
        case .exited:
            if let exitCode { return "exit \(exitCode)" }
            return "killed by signal \(signal ?? 0)"
        case .timedOut: return "timed out after \(Int(duration.rounded())) s"
        case .idle: return "printed nothing for the idle timeout; treated as hung"
        case .cancelled: return "cancelled"
        }
    }
}

/// Runs agents. LoopBackends implements it; the round engine only sees this protocol.
package protocol AgentDispatcher: Sendable {
    /// Problems that would stop `backend` from running as `role` under `options` (unknown name,
    /// program not installed, model server down, model missing), one line each naming the fix.
    /// Empty when it can run.
    func preflight(backend: String, role: Role, options: RunOptions) async -> [String]

    /// Whether the backend writes its own report file (false: the PM makes the work report).
    func writesReport(backend: String) -> Bool

    /// Runs one dispatch to completion: spawn, stream to the log, enforce timeouts, parse output.
    /// Never retries (the engine does). Throws only when the process cannot be started.
    func dispatch(_ request: DispatchRequest) async throws -> DispatchResult

    /// This dispatcher set up for a run's options (e.g. `--agent-sandbox`).
    func configured(for options: RunOptions) -> any AgentDispatcher

    /// Lines the run starts with: each chosen backend that runs with its permission checks
    /// disabled and outside a sandbox.
    func isolationNotes(options: RunOptions) -> [String]
}

extension AgentDispatcher {
    package func configured(for options: RunOptions) -> any AgentDispatcher { self }
    package func isolationNotes(options: RunOptions) -> [String] { [] }
}
