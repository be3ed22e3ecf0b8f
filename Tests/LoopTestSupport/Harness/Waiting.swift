/// A condition `eventually` waited for did not come true in time.
package struct TimedOut: Error, CustomStringConvertible {
    package var what: String
    package var description: String { "timed out waiting until \(what)" }

    package init(what: String) { self.what = what }
}

/// A failure of the test's own setup (a fixture that could not be made, a file that is not
/// what the harness expects), as opposed to a failed expectation.
package struct SetupFailure: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// Polls `condition` every 25 ms until it holds; throws `TimedOut` after `timeout`.
package func eventually(
    _ what: String, timeout: Duration = .seconds(20), _ condition: () throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try condition() { return }
        if ContinuousClock.now >= deadline { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(25))
    }
}
