public import Foundation

/// Timestamps as written on the bus: ISO 8601, UTC, second precision ("2026-11-23T15:26:11Z").
public enum Timestamp {
    public static func now() -> String { format(Date()) }

    public static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    public static func parse(_ text: String) -> Date? {
        try? Date(text, strategy: .iso8601)
    }
}
