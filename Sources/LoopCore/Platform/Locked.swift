import Synchronization

/// A small shareable cell guarded by a `Mutex`, for state that concurrent tasks update
/// (a `Mutex` alone is non-copyable and cannot be captured by several tasks).
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) {
        mutex = Mutex(value)
    }

    public var value: Value {
        mutex.withLock { $0 }
    }

    /// Mutates the value under the lock and returns what `body` returns.
    @discardableResult
    public func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }

    public func set(_ value: Value) {
        mutex.withLock { $0 = value }
    }
}
