import Foundation

/// The effective options of one run, after flags, environment, config and defaults.
///
/// Stored in `state.json` so that every round subprocess and every `--resume` behaves the
/// same as the run that started.
package struct RunOptions: Codable, Sendable, Equatable {
    package var maxRounds: Int = 3
    /// Manual mode: how long to wait for a report (seconds, 0 = no limit).
    package var timeout: Int = 0
    package var autoDispatch: Bool = false
    package var workerBackend: String = "codex"
    package var reviewerBackend: String = "claude"
    package var workerModel: String?
    package var reviewerModel: String?
    package var dispatchTimeout: Int = 600
    package var dispatchRetries: Int = 2
    package var dispatchRetryBaseSec: Int = 5
    package var artifactTimeout: Int = 90
    package var idleTimeout: Int = 300
    package var requireHeartbeat: Bool = false
    package var heartbeatTTL: Int = 30
    package var verifyTimeout: Int = 600
    package var allowDirty: Bool = false
    package var inPlace: Bool = false
    package var verbose: Bool = false
    package var waitOnLimit: Bool = true
    /// Longest single wait on a usage limit, seconds.
    package var limitWaitMax: Int = 6 * 3600
    /// Run budgets (0 = none): tokens, US dollars, wall seconds. Hard stops at the next safe point.
    package var maxTokens: Int = 0
    package var maxCost: Double = 0
    package var maxDuration: Int = 0
    /// Let the built-in agent run shell commands without bubblewrap (a blocklist only).
    package var unsafeShell: Bool = false
    /// Rounds in a row with the same tree and the same failing verify commands after which the
    /// run stops as exhausted (no progress); 0 = never.
    package var maxStalledRounds: Int = 2
    /// Run verify commands without bubblewrap (`--unsafe-verify`): said in every round's verify log.
    package var unsafeVerify: Bool = false
    /// Keep the network inside the verify sandbox (a card's `verify_network` wins).
    package var verifyNetwork: Bool = false
    /// Run external agent CLIs (codex, claude, command backends) inside bubblewrap.
    package var agentSandbox: Bool = false
    /// Lane workers of one stage that run at the same time (`--max-parallel-workers`,
    /// loop-kit's flag); 1 = lanes one after another.
    package var maxParallelWorkers: Int = 1
    /// True when `--max-rounds` (or LOOP_MAX_ROUNDS) was given, so it beats the card's `max_rounds`.
    package var maxRoundsExplicit: Bool = false

    package init() {}

    enum CodingKeys: String, CodingKey {
        case timeout, verbose
        case maxRounds = "max_rounds"
        case autoDispatch = "auto_dispatch"
        case workerBackend = "worker_backend"
        case reviewerBackend = "reviewer_backend"
        case workerModel = "worker_model"
        case reviewerModel = "reviewer_model"
        case dispatchTimeout = "dispatch_timeout"
        case dispatchRetries = "dispatch_retries"
        case dispatchRetryBaseSec = "dispatch_retry_base_sec"
        case artifactTimeout = "artifact_timeout"
        case idleTimeout = "idle_timeout"
        case requireHeartbeat = "require_heartbeat"
        case heartbeatTTL = "heartbeat_ttl"
        case verifyTimeout = "verify_timeout"
        case allowDirty = "allow_dirty"
        case inPlace = "in_place"
        case waitOnLimit = "wait_on_limit"
        case limitWaitMax = "limit_wait_max"
        case maxRoundsExplicit = "max_rounds_explicit"
        case maxTokens = "max_tokens"
        case maxCost = "max_cost"
        case maxDuration = "max_duration"
        case unsafeShell = "unsafe_shell"
        case maxStalledRounds = "max_stalled_rounds"
        case unsafeVerify = "unsafe_verify"
        case verifyNetwork = "verify_network"
        case agentSandbox = "agent_sandbox"
        case maxParallelWorkers = "max_parallel_workers"
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RunOptions()
        maxRounds = try c.decodeIfPresent(Int.self, forKey: .maxRounds) ?? d.maxRounds
        timeout = try c.decodeIfPresent(Int.self, forKey: .timeout) ?? d.timeout
        autoDispatch = try c.decodeIfPresent(Bool.self, forKey: .autoDispatch) ?? d.autoDispatch
        workerBackend = try c.decodeIfPresent(String.self, forKey: .workerBackend) ?? d.workerBackend
        reviewerBackend = try c.decodeIfPresent(String.self, forKey: .reviewerBackend) ?? d.reviewerBackend
        workerModel = try c.decodeIfPresent(String.self, forKey: .workerModel)
        reviewerModel = try c.decodeIfPresent(String.self, forKey: .reviewerModel)
        dispatchTimeout = try c.decodeIfPresent(Int.self, forKey: .dispatchTimeout) ?? d.dispatchTimeout
        dispatchRetries = try c.decodeIfPresent(Int.self, forKey: .dispatchRetries) ?? d.dispatchRetries
        dispatchRetryBaseSec = try c.decodeIfPresent(Int.self, forKey: .dispatchRetryBaseSec) ?? d.dispatchRetryBaseSec
        artifactTimeout = try c.decodeIfPresent(Int.self, forKey: .artifactTimeout) ?? d.artifactTimeout
        idleTimeout = try c.decodeIfPresent(Int.self, forKey: .idleTimeout) ?? d.idleTimeout
        requireHeartbeat = try c.decodeIfPresent(Bool.self, forKey: .requireHeartbeat) ?? d.requireHeartbeat
        heartbeatTTL = try c.decodeIfPresent(Int.self, forKey: .heartbeatTTL) ?? d.heartbeatTTL
        verifyTimeout = try c.decodeIfPresent(Int.self, forKey: .verifyTimeout) ?? d.verifyTimeout
        allowDirty = try c.decodeIfPresent(Bool.self, forKey: .allowDirty) ?? d.allowDirty
        inPlace = try c.decodeIfPresent(Bool.self, forKey: .inPlace) ?? d.inPlace
        verbose = try c.decodeIfPresent(Bool.self, forKey: .verbose) ?? d.verbose
        waitOnLimit = try c.decodeIfPresent(Bool.self, forKey: .waitOnLimit) ?? d.waitOnLimit
        limitWaitMax = try c.decodeIfPresent(Int.self, forKey: .limitWaitMax) ?? d.limitWaitMax
        maxRoundsExplicit = try c.decodeIfPresent(Bool.self, forKey: .maxRoundsExplicit) ?? false
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens) ?? 0
        maxCost = try c.decodeIfPresent(Double.self, forKey: .maxCost) ?? 0
        maxDuration = try c.decodeIfPresent(Int.self, forKey: .maxDuration) ?? 0
        unsafeShell = try c.decodeIfPresent(Bool.self, forKey: .unsafeShell) ?? false
        maxStalledRounds = try c.decodeIfPresent(Int.self, forKey: .maxStalledRounds) ?? d.maxStalledRounds
        unsafeVerify = try c.decodeIfPresent(Bool.self, forKey: .unsafeVerify) ?? false
        verifyNetwork = try c.decodeIfPresent(Bool.self, forKey: .verifyNetwork) ?? false
        agentSandbox = try c.decodeIfPresent(Bool.self, forKey: .agentSandbox) ?? false
        maxParallelWorkers = try c.decodeIfPresent(Int.self, forKey: .maxParallelWorkers) ?? d.maxParallelWorkers
    }

    /// The backend name for a role.
    package func backend(for role: Role) -> String { role == .worker ? workerBackend : reviewerBackend }

    /// The model override for a role, if any.
    package func model(for role: Role) -> String? { role == .worker ? workerModel : reviewerModel }

    /// Checks ranges; every problem is one line.
    package func problems() -> [String] {
        var problems: [String] = []
        if maxRounds < 1 { problems.append("max_rounds must be at least 1 (got \(maxRounds))") }
        for (name, value) in [
            ("timeout", timeout), ("dispatch_timeout", dispatchTimeout), ("dispatch_retries", dispatchRetries),
            ("dispatch_retry_base_sec", dispatchRetryBaseSec), ("artifact_timeout", artifactTimeout),
            ("idle_timeout", idleTimeout), ("verify_timeout", verifyTimeout), ("max_tokens", maxTokens),
            ("max_duration", maxDuration), ("max_stalled_rounds", maxStalledRounds),
        ] where value < 0 {
            problems.append("\(name) must not be negative (got \(value))")
        }
        if maxCost < 0 { problems.append("max_cost must not be negative (got \(maxCost))") }
        if maxParallelWorkers < 1 {
            problems.append("max_parallel_workers must be at least 1 (got \(maxParallelWorkers))")
        }
        if heartbeatTTL < 1 { problems.append("heartbeat_ttl must be at least 1 (got \(heartbeatTTL))") }
        return problems
    }
}
