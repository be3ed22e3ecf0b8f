import Foundation

/// Copies bus files into `archive/<task_id>/<run_id>/` before anything replaces them.
///
/// Each round's files are kept under that round's number, the last round included, so a run
/// can be audited and any round restored.
public struct Archive: Sendable {
    public let paths: BusPaths
    public let taskID: String
    public let runID: String

    public init(paths: BusPaths, taskID: String, runID: String) {
        self.paths = paths
        self.taskID = taskID
        self.runID = runID
    }

    public var directory: String { paths.archiveDirectory(task: taskID, run: runID) }

    /// Copies a bus file as `r<round>_<name>`; returns whether it existed.
    @discardableResult
    public func keep(_ source: String, round: Int, as name: String? = nil) throws -> Bool {
        let fileName = name ?? (source as NSString).lastPathComponent
        return try Filesystem.copyIfPresent(
            source, to: paths.archiveFile(task: taskID, run: runID, round: round, name: fileName))
    }

    /// Moves a stale or foreign report out of the way, keeping it under `stale/`.
    public func setAsideStale(_ source: String, reason: String) throws {
        guard Filesystem.exists(source) else { return }
        let stamp = Timestamp.now().replacingOccurrences(of: ":", with: "")
        let name = "\(stamp)-\(UInt16.random(in: 0 ... .max))-\((source as NSString).lastPathComponent)"
        let destination = "\(directory)/stale/\(name)"
        try Filesystem.copyIfPresent(source, to: destination)
        try? AtomicFile.write(reason + "\n", to: destination + ".why")
        try removeArchived(source)
    }

    /// Removes a bus file that has already been archived.
    public func removeArchived(_ path: String) throws {
        guard Filesystem.exists(path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw LoopError.other("Cannot remove \(path): \(error.localizedDescription)", .roundFailed)
        }
    }

    /// Archives every per-round bus file of `round`.
    public func keepRound(_ round: Int, taskPath: String) throws {
        try keep(taskPath, round: round, as: "task_card.json")
        try keep(paths.workReport, round: round)
        try keep(paths.reviewRequest, round: round)
        try keep(paths.reviewReport, round: round)
        try keep(paths.state, round: round)
        try keep("\(paths.scratch)/verify.json", round: round, as: "verify.json")
        for role in Role.allCases {
            try keep("\(paths.scratch)/\(role.rawValue)_prompt.txt", round: round, as: "\(role.rawValue)_prompt.txt")
        }
    }
}
