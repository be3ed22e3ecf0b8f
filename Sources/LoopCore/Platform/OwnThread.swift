import Foundation

/// Blocking work (a wait on a child, reading its pipes) run on a thread of its own and awaited:
/// a thread of Swift's cooperative pool is never held by it.
enum OwnThread {
    static func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, E>, Never>) in
            let thread = Thread { continuation.resume(returning: Result(catching: body)) }
            thread.start()
        }
        return try result.get()
    }
}
