import Foundation

/// A compiled regular expression with the few operations the classifiers need.
///
/// `NSRegularExpression` rather than Swift `Regex`: it is `Sendable` (so patterns can be
/// static constants and live inside parser values) and an order of magnitude faster on long
/// lines, which matters when an agent prints a megabyte on one line.
struct TextPattern: Sendable {
    let source: String
    fileprivate let regex: NSRegularExpression

    /// Compiles a user-supplied pattern.
    /// - Throws: the compiler's error when `pattern` is not a valid regular expression.
    init(_ pattern: String, caseInsensitive: Bool = true) throws {
        source = pattern
        regex = try NSRegularExpression(pattern: pattern, options: caseInsensitive ? [.caseInsensitive] : [])
    }

    /// Compiles a pattern written in our own source; an invalid one is a programming error.
    init(builtin pattern: String, caseInsensitive: Bool = true) {
        do {
            try self.init(pattern, caseInsensitive: caseInsensitive)
        } catch {
            preconditionFailure("built-in pattern does not compile: \(pattern)")
        }
    }

    /// True when the pattern matches anywhere in `text`.
    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// The capture groups of the first match (nil entries for groups that did not take part),
    /// or nil when there is no match. Index 0 is the whole match.
    func firstMatch(in text: String) -> [String?]? {
        guard let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else {
            return nil
        }
        return (0..<match.numberOfRanges).map { index in
            Range(match.range(at: index), in: text).map { String(text[$0]) }
        }
    }

    /// The capture groups of every match, in order.
    func allMatches(in text: String) -> [[String?]] {
        regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
            (0..<match.numberOfRanges).map { index in
                Range(match.range(at: index), in: text).map { String(text[$0]) }
            }
        }
    }

    /// What is wrong with an invalid pattern, or nil when it compiles.
    ///
    /// Foundation only says "The value is invalid", so the reason comes from the Swift regex
    /// parser ("expected ')'"), whose syntax matches ICU's for everything users write here.
    static func problem(in pattern: String) -> String? {
        guard (try? TextPattern(pattern)) == nil else { return nil }
        do {
            _ = try Regex(pattern)
            return "rejected by the regular expression engine"
        } catch {
            return "\(error)"
        }
    }
}

extension TextPattern {
    /// `text` with every match replaced by `template` (`$1` refers to a capture group).
    func replacingMatches(in text: String, with template: String) -> String {
        regex.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
    }
}
