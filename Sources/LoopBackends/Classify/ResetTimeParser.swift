import Foundation

/// Finds when a usage or rate limit resets in an agent's own words.
///
/// Best effort by design: every CLI words it differently and changes the wording between
/// releases, so each format is tried in turn and an unparseable time yields nil (the engine
/// then falls back to its own backoff) rather than a guess.
enum ResetTimeParser {
    /// The reset time mentioned in `text`, or nil when none can be read.
    ///
    /// Understands, in this order: claude's `usage limit reached|<unix epoch>`, ISO 8601 times
    /// after "reset(s) at", relative durations ("try again in 2 hours 5 minutes", "retry in
    /// 23.5s"), "retry after N seconds" / `Retry-After: N` / `"retryDelay": "23s"`, and wall
    /// clock times ("resets 3pm (Europe/Berlin)", "try again at Sep 17th, 2025 2:13 PM").
    static func resetDate(in text: String, now: Date = Date()) -> Date? {
        if let date = epoch(in: text) { return date }
        if let date = isoTime(in: text) { return date }
        if let seconds = relativeSeconds(in: text) { return now.addingTimeInterval(seconds) }
        if let date = clockTime(in: text, now: now) { return date }
        return nil
    }

    // MARK: - Epoch and ISO

    private static let epochPattern = TextPattern(builtin: #"limit reached\s*\|\s*(\d{9,13})\b"#)

    private static func epoch(in text: String) -> Date? {
        guard let digits = epochPattern.firstMatch(in: text)?[1], let value = Double(digits) else { return nil }
        return Date(timeIntervalSince1970: digits.count > 11 ? value / 1000 : value)
    }

    private static let isoPattern = TextPattern(
        builtin:
            #"reset(?:s|s_at|_at)?["']?(?:\s+at)?[\s:="']+(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"#
    )

    /// An ISO 8601 time after "reset(s) at"; missing seconds are 0 and a missing zone is UTC
    /// (the APIs that print these use UTC).
    private static func isoTime(in text: String) -> Date? {
        guard let parts = isoPattern.firstMatch(in: text), parts.count > 4, let day = parts[1], let time = parts[2]
        else { return nil }
        let stamp = "\(day)T\(time)\(parts[3] ?? ":00")\(parts[4] ?? "Z")"
        if let date = try? Date(stamp, strategy: .iso8601) { return date }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(stamp)
    }

    // MARK: - Relative durations

    private static let unit =
        #"(?:days?|d|hours?|hrs?|h|milliseconds?|ms|minutes?|mins?|m|seconds?|secs?|s)"#
    private static let relativePattern = TextPattern(
        builtin: #"(?:try again|retry|retrying|wait|resets?|available)\s+in\s+((?:\d+(?:\.\d+)?\s*"# + unit
            + #"(?![a-z])[\s,]*(?:and\s+)?)+)"#)
    private static let componentPattern = TextPattern(builtin: #"(\d+(?:\.\d+)?)\s*("# + unit + #")(?![a-z])"#)
    private static let retryAfterPattern = TextPattern(
        builtin:
            #"retry[- _]after["']?\s*[:=]?\s*(\d+(?:\.\d+)?)\s*(?:(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?)\b)?"#
    )
    private static let retryDelayPattern = TextPattern(builtin: #"["']?retryDelay["']?\s*:\s*["']?(\d+(?:\.\d+)?)s"#)

    /// Seconds until the limit resets, from a relative phrase.
    static func relativeSeconds(in text: String) -> Double? {
        if let phrase = relativePattern.firstMatch(in: text)?[1] {
            let total = componentPattern.allMatches(in: phrase).reduce(0.0) { sum, parts in
                guard parts.count > 2, let number = parts[1].flatMap(Double.init), let unit = parts[2] else {
                    return sum
                }
                return sum + number * multiplier(unit)
            }
            if total > 0 { return total }
        }
        if let parts = retryAfterPattern.firstMatch(in: text), let number = parts[1].flatMap(Double.init) {
            return number * multiplier(parts[2] ?? "s")
        }
        if let number = retryDelayPattern.firstMatch(in: text)?[1].flatMap(Double.init) {
            return number
        }
        return nil
    }

    private static func multiplier(_ unit: String) -> Double {
        let unit = unit.lowercased()
        if unit == "ms" || unit.hasPrefix("milli") { return 0.001 }
        if unit.hasPrefix("d") { return 86_400 }
        if unit.hasPrefix("h") { return 3_600 }
        if unit.hasPrefix("m") { return 60 }
        return 1
    }

    // MARK: - Wall clock times

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let clockPattern = TextPattern(
        builtin: #"(?:resets?|try again|available again)\s+(?:at\s+|on\s+)?"#
            + #"(?:(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(?:(\d{4}),?\s+)?(?:at\s+)?)?"#
            + #"(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?(?:\s*\(([A-Za-z_]+(?:/[A-Za-z_+-]+)*)\))?"#)

    /// The next moment matching a wall clock time such as "3pm (Europe/Berlin)".
    private static func clockTime(in text: String, now: Date) -> Date? {
        guard let parts = clockPattern.firstMatch(in: text), parts.count > 7,
            let hourText = parts[4], var hour = Int(hourText)
        else { return nil }
        let minute = parts[5].flatMap { Int($0) }
        let meridiem = parts[6]?.lowercased().replacingOccurrences(of: ".", with: "")
        // A bare number ("resets 3") is too ambiguous: require minutes or am/pm.
        guard minute != nil || meridiem != nil else { return nil }
        if let meridiem {
            guard (1...12).contains(hour) else { return nil }
            if meridiem == "pm", hour != 12 { hour += 12 }
            if meridiem == "am", hour == 12 { hour = 0 }
        }
        guard (0...23).contains(hour), (0...59).contains(minute ?? 0) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = parts[7].flatMap { TimeZone(identifier: $0) } ?? .current
        var components = calendar.dateComponents([.year, .month, .day], from: now)
        components.hour = hour
        components.minute = minute ?? 0
        components.second = 0
        if let monthName = parts[1]?.lowercased(), let month = months.firstIndex(of: monthName),
            let day = parts[2].flatMap({ Int($0) })
        {
            components.month = month + 1
            components.day = day
            if let year = parts[3].flatMap({ Int($0) }) {
                components.year = year
                return calendar.date(from: components)
            }
            guard let date = calendar.date(from: components) else { return nil }
            if date < now.addingTimeInterval(-86_400) {
                return calendar.date(byAdding: .year, value: 1, to: date)
            }
            return date
        }
        guard let today = calendar.date(from: components) else { return nil }
        return today > now ? today : calendar.date(byAdding: .day, value: 1, to: today)
    }
}
