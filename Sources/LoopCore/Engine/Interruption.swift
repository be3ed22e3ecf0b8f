import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A SIGINT or SIGTERM that stops a run: how it is recorded and the code the process exits with.
///
/// The round subprocess (`RoundEngine`) and the outer PM (`RunController`) both stop a run this
/// way, so `state.json` says the same whichever of them saw the signal first.
struct Interruption: Sendable, Equatable {
    var signal: Int32

    /// `SIGTERM` or `SIGINT`, as the reason names it.
    var name: String { signal == SIGTERM ? "SIGTERM" : "SIGINT" }

    /// 143 for SIGTERM, 130 for SIGINT.
    var exitCode: LoopExitCode { signal == SIGTERM ? .terminated : .interrupted }

    /// Stops `state` as interrupted, remembering the phase and round it was in; a run already
    /// stopped as interrupted keeps its first reason.
    func stop(_ state: inout RunState) {
        state.stop(.interrupted, reason: "interrupted by \(name) while \(state.phase.rawValue) (round \(state.round))")
    }
}
