import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns SIGINT and SIGTERM into an async stream, so the PM can stop its children's groups
/// and save state instead of dying mid-write.
package final class SignalTrap {
    private let sources: [any DispatchSourceSignal]
    /// Signals as they arrive.
    package let signals: AsyncStream<Int32>

    /// Starts trapping (default: SIGINT=2, SIGTERM=15); their default action is disabled while the trap lives.
    package init(_ numbers: [Int32] = [2, 15]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        signals = stream
        sources = numbers.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }
}
