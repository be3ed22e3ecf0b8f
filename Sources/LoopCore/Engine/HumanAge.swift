package import Foundation

/// How long ago something happened, as people say it: "12 s ago", "14 min ago", "3 h 5 min ago", "2 days ago".
package enum HumanAge {
    /// - Parameter seconds: the age; negative ages (a clock ahead) read as "just now".
    package static func ago(seconds: Double) -> String {
        let whole = Int(seconds.rounded(.down))
        if whole < 1 { return "just now" }
        if whole < 60 { return "\(whole) s ago" }
        if whole < 3600 { return "\(whole / 60) min ago" }
        if whole < 86_400 {
            let minutes = (whole % 3600) / 60
            return "\(whole / 3600) h\(minutes > 0 ? " \(minutes) min" : "") ago"
        }
        let days = whole / 86_400
        return "\(days) day\(days == 1 ? "" : "s") ago"
    }

    /// The age of `date` from now.
    package static func ago(_ date: Date, now: Date = Date()) -> String {
        ago(seconds: now.timeIntervalSince(date))
    }
}
