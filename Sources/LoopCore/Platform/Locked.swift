import Synchronization

/// A small shareable cell guarded by a `Mutex`, for state that concurrent tasks update
/// (a `Mutex` alone is non-copyable and cannot be captured by several tasks).
package final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    package init(_ value: Value) {
        mutex = Mutex(value)
    }

    package var value: Value {
        mutex.withLock { $0 }
    }

    /// Mutates the value under the lock and returns what `body` returns.
    @discardableResult
    package func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }

    package func set(_ value: Value) {
        mutex.withLock { $0 = value }
    }
}

extension Locked {
    /// Takes the value out, leaving nil: a slot that hands what it holds to exactly one taker.
    package func take<Wrapped: Sendable>() -> Wrapped? where Value == Wrapped? {
        withLock { value in
            defer { value = nil }
            return value
        }
    }
}
