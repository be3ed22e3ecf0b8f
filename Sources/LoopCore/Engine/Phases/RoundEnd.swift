/// How a decided round ends the run, or does not: the last step of every round.
///
/// Decided from the round's record and the run's history alone; the engine applies it through
/// `RunState` (`finish` or `startNextRound`) after archiving the round.
enum RoundEnd: Sendable, Equatable {
    /// The round was approved: the run is done.
    case approved
    /// The last `max_stalled_rounds` rounds made no progress: the run stops and asks a person.
    case noProgress
    /// The last round allowed was not approved: the run is exhausted.
    case outOfRounds
    /// The next round works through the fix list.
    case nextRound

    /// - Parameters:
    ///   - approved: the round's verdict.
    ///   - isStalled: the last `max_stalled_rounds` rounds (this one included) made no progress.
    static func decide(approved: Bool, isStalled: Bool, round: Int, maxRounds: Int) -> RoundEnd {
        if approved { return .approved }
        if isStalled { return .noProgress }
        if round >= maxRounds { return .outOfRounds }
        return .nextRound
    }
}
