/// What git says the worker's turn produced, gathered by the PM after committing what the
/// worker left uncommitted. The agent's report is a claim next to these facts.
struct WorkerFacts: Sendable, Equatable {
    /// The workdir's head after the PM's commit.
    var head: String
    /// Files changed since the round's base.
    var filesChanged: [String]
    /// Changed paths the PM left uncommitted because they look like secrets.
    var uncommittedSecrets: [String]
    /// Files the worker itself committed that look like secrets (a warning, not a stop).
    var committedSecrets: [String]
    /// The work report was made by the PM (the backend writes none).
    var reportMadeByPM: Bool
    /// Why the worker ended its turn without finishing, when it did.
    var workerStopped: String?

    /// The facts as the round's record keeps them.
    func record(into record: inout RoundRecord) {
        record.headSHA = head
        record.filesChanged = filesChanged
        record.uncommittedSecrets = uncommittedSecrets
        record.reportMadeByPM = reportMadeByPM
        record.workerStopped = workerStopped
    }
}
