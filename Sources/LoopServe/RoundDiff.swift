import Foundation
package import LoopCore

/// The change a round made (`GET /api/tasks/{id}/rounds/{n}/diff`): `git diff` from the round's
/// base to its head as the state records them, cut at `limit` bytes.
package struct RoundDiff: Codable, Sendable {
    /// The most diff sent (a diff past it is cut and says so).
    package static let limit = 1024 * 1024

    package var taskID: String
    package var round: Int
    package var baseSHA: String?
    package var headSHA: String?
    package var diff: String
    package var truncated: Bool

    enum CodingKeys: String, CodingKey {
        case round, diff, truncated
        case taskID = "task_id"
        case baseSHA = "base_sha"
        case headSHA = "head_sha"
    }

    /// The round's diff; an empty diff when the round has no head yet (its worker is still
    /// working) or base and head are the same.
    /// - Throws: `LoopError` when git cannot be run or fails.
    package static func read(_ location: TaskLocation, round: Int) async throws -> RoundDiff? {
        guard let state = location.state, let record = state.rounds.last(where: { $0.round == round }) else {
            return nil
        }
        let base = record.baseSHA.flatMap(Self.commitID)
        let head = record.headSHA.flatMap(Self.commitID)
        var result = RoundDiff(
            taskID: state.taskID, round: round, baseSHA: base, headSHA: head, diff: "", truncated: false)
        guard let base, let head, base != head else { return result }
        // `head -c` bounds what git can make us hold; the shas were checked to be hex, and
        // every value reaches the shell as an argument, never as script text.
        let script = #"git -C "$1" diff --no-color --no-ext-diff "$2" "$3" -- | head -c "$4""#
        let output = try await ProcessRunner.capture(
            ["/bin/sh", "-c", script, "loop-serve-diff", location.paths.repository, base, head, String(limit + 1)],
            in: location.paths.repository, environment: ["LC_ALL": "C", "GIT_PAGER": "cat"],
            outputLimit: limit + 4096)
        var text = output.stdout
        if text.utf8.count > limit {
            text = String(decoding: Data(text.utf8).prefix(limit), as: UTF8.self)
            result.truncated = true
        }
        result.diff = text
        return result
    }

    /// A full or abbreviated commit id (hex only), or nil.
    private static func commitID(_ text: String) -> String? {
        guard (4...64).contains(text.count), text.allSatisfy(\.isHexDigit) else { return nil }
        return text
    }
}

/// The end of one agent's log of one round (`GET /api/tasks/{id}/logs/{round}/{role}`):
/// `logs/<task>/r<N>_<role>.log`, at most `limit` bytes (`?bytes=` up to `maxLimit`).
package struct LogTail: Codable, Sendable {
    package static let defaultLimit = 64 * 1024
    package static let maxLimit = 1024 * 1024

    package var taskID: String
    package var round: Int
    package var role: String
    package var size: Int
    package var truncated: Bool
    package var text: String

    enum CodingKeys: String, CodingKey {
        case round, role, size, truncated, text
        case taskID = "task_id"
    }

    /// The log's tail; nil when the round has no log for that role.
    package static func read(_ location: TaskLocation, round: Int, role: String, limit: Int) -> LogTail? {
        let path = location.paths.roundLog(task: location.taskID, round: round, role: role)
        guard let tail = BoundedFile.tail(path, limit: min(max(limit, 1), maxLimit)) else { return nil }
        return LogTail(
            taskID: location.taskID, round: round, role: role, size: tail.size, truncated: tail.truncated,
            text: tail.text)
    }
}
