import LoopCore

/// Notices a reply that has degenerated — a long run of whitespace, or one short fragment
/// repeated over and over — while it streams, so the worker can cut it at once instead of
/// waiting for the reply cap.
///
/// With SmolLM2-135M this is the most common failure: a `"command"` value such as
/// `git:git:git:…` or `<id>.git.git-branch-1.git.git-branch-2.…` that runs to the cap
/// (tens of seconds on a small CPU) and then fails to parse anyway.
final class RunawayDetector: Sendable {
    /// Bytes of the reply's end that are examined.
    static let window = 600
    /// Length of the fragments counted.
    static let fragment = 10
    /// Occurrences of one fragment within the window that mark a runaway (a period of at most
    /// window / repeats bytes, repeated that many times in a row).
    static let repeats = 15
    /// Trailing whitespace (spaces, newlines, tabs, and their JSON escapes) that marks a runaway.
    static let whitespaceRun = 200

    private struct Scan {
        var text: [UInt8] = []
        var checkedAt = 0
        var reason: String?
    }

    private let scan = Locked(Scan())

    /// The reason the reply was found to run away, once it was.
    var reason: String? { scan.value.reason }

    /// Adds streamed text; returns the reason the first time the reply is found to run away.
    func feed(_ token: String) -> String? {
        scan.withLock { scan in
            guard scan.reason == nil else { return nil }
            scan.text.append(contentsOf: token.utf8)
            // Keep memory bounded: only the window matters.
            if scan.text.count > 4 * Self.window {
                scan.text.removeFirst(scan.text.count - Self.window)
                scan.checkedAt = 0
            }
            guard scan.text.count - scan.checkedAt >= 32 else { return nil }
            scan.checkedAt = scan.text.count
            scan.reason = Self.runaway(scan.text)
            return scan.reason
        }
    }

    /// Why `text` ends in a runaway, or nil.
    static func runaway(_ text: [UInt8]) -> String? {
        let tail = text.suffix(window)
        if tail.count >= whitespaceRun, isWhitespace(Array(tail.suffix(whitespaceRun))) {
            return "\(whitespaceRun)+ characters of whitespace"
        }
        guard tail.count >= fragment * repeats else { return nil }
        let bytes = Array(tail)
        for back in stride(from: 0, to: 24, by: 3) {
            let end = bytes.count - back
            guard end - fragment >= 0 else { break }
            let needle = Array(bytes[(end - fragment)..<end])
            guard Set(needle.filter { $0 != 32 && $0 != 10 }).count >= 3 else { continue }
            if occurrences(of: needle, in: bytes) >= repeats {
                return "the fragment \"\(String(decoding: needle, as: UTF8.self))\" repeated \(repeats)+ times"
            }
        }
        return nil
    }

    private static func isWhitespace(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 32 || byte == 10 || byte == 13 || byte == 9 {
                index += 1
            } else if byte == 92, index + 1 < bytes.count, [110, 116, 114].contains(bytes[index + 1]) {
                index += 2  // \n \t \r inside a JSON string
            } else {
                return false
            }
        }
        return true
    }

    private static func occurrences(of needle: [UInt8], in bytes: [UInt8]) -> Int {
        guard needle.count <= bytes.count else { return 0 }
        var count = 0
        var index = 0
        while index <= bytes.count - needle.count {
            if bytes[index] == needle[0], Array(bytes[index..<(index + needle.count)]) == needle {
                count += 1
                index += needle.count
            } else {
                index += 1
            }
        }
        return count
    }
}
