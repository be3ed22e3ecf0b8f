import CLoopShims
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The start of a process whose work is async, without Swift's async `main`.
///
/// An async top-level `main` parks the main thread with `dispatch_main()`, which ends it with
/// `pthread_exit`; on Linux that unwinds the main thread's stack through `libgcc_s`, which reads
/// the static binary's unwind tables (`.eh_frame_hdr`, `.eh_frame`): measured, 0.6 MiB of
/// resident memory in every `loop` process (each round's subprocess, `status`, `--version`)
/// for nothing. Here the main thread starts the work as a task and sleeps until the work
/// exits the process.
package enum ProcessMain {
    /// Runs `work` on the global executor and never returns; `work` ends the process (`exit`).
    ///
    /// Nothing may need the main actor or the main dispatch queue: the main thread only sleeps.
    /// It blocks every asynchronous signal first, as an exited main thread did, so signals go
    /// where they went before (libdispatch's signal sources; its worker threads block them all).
    package static func run(_ work: @escaping @Sendable () async -> Never) -> Never {
        // One malloc arena for all threads: each further arena (glibc makes one per thread that
        // allocates, up to 8 per core) holds pages of its own. Measured on a 20-round run: 0.2 MiB
        // less resident memory in the PM and in each round subprocess; their threads mostly wait,
        // so they do not contend for the one arena.
        _ = loop_use_one_malloc_arena()
        var signals = sigset_t()
        sigfillset(&signals)
        // Faults stay with the thread that caused them.
        for fault in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT, SIGSYS] { sigdelset(&signals, fault) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        Task.detached { await work() }
        while true { pause() }
    }
}
