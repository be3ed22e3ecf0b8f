import LoopCore

/// Measures one chat call: time to the first generated token and the whole wall time.
struct ChatClock: Sendable {
    private let start = ContinuousClock.now
    private var firstToken: ContinuousClock.Instant?

    init() {}

    /// Notes that the model produced something (text, reasoning or a tool call); only the first call counts.
    mutating func markToken() {
        if firstToken == nil { firstToken = .now }
    }

    /// Seconds from the request to the first token, nil when nothing was streamed.
    var timeToFirstToken: Double? { firstToken.map { ($0 - start).seconds } }

    /// Seconds since the request was sent.
    var elapsed: Double { (ContinuousClock.now - start).seconds }
}
