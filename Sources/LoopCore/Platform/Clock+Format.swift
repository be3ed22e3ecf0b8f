package import Foundation

/// Timestamps as written on the bus: ISO 8601, UTC, milliseconds ("2026-11-23T15:26:11.042Z").
package enum Timestamp {
    package static func now() -> String { format(Date()) }

    /// With milliseconds, so durations computed from timestamps are not rounded to seconds.
    package static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Reads timestamps with or without fractional seconds.
    package static func parse(_ text: String) -> Date? {
        (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: .iso8601))
    }
}
