import Foundation

/// Why an agent dispatch ended without a report: told to the PM in one line, recorded as the
/// round's failure reason.
package struct AgentFailure: LocalizedError, Sendable, Equatable {
    package var reason: String
    /// True when retrying cannot help (the prompt cannot fit, the model does not exist).
    package var isPermanent: Bool

    package init(_ reason: String, isPermanent: Bool = false) {
        self.reason = reason
        self.isPermanent = isPermanent
    }

    package var errorDescription: String? { reason }
}
