public import Foundation

/// Why an agent dispatch ended without a report: told to the PM in one line, recorded as the
/// round's failure reason.
public struct AgentFailure: LocalizedError, Sendable, Equatable {
    public var reason: String
    /// True when retrying cannot help (the prompt cannot fit, the model does not exist).
    public var isPermanent: Bool

    public init(_ reason: String, isPermanent: Bool = false) {
        self.reason = reason
        self.isPermanent = isPermanent
    }

    public var errorDescription: String? { reason }
}
