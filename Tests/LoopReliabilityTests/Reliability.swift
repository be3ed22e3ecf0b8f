import Testing

/// The reliability and security suite: crashes at every bus write and state transition,
/// signals, hung and hostile agents, bad reports, fuzzing, concurrency, git edge cases.
///
/// Every suite runs the real `loop` binary in temporary git repositories with scripted bash
/// agents. The parent suite is serialized so the suites never compete for the two cores
/// (their timing assertions stay honest). `swift test` runs a sampled subset;
/// `scripts/reliability` runs the full matrix (`LOOP_RELIABILITY_FULL=1`) and renders
/// `docs/RELIABILITY.md` from what the tests record.
@Suite(.serialized, .timeLimit(.minutes(5)))
enum Reliability {}
