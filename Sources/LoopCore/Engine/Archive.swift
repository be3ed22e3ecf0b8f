#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation

/// Copies bus files into `archive/<task_id>/<run_id>/` before anything replaces them.
///
/// Each round's files are kept under that round's number, the last round included, so a run
/// can be audited and any round restored.
package struct Archive: Sendable {
    package let paths: BusPaths
    package let taskID: String
    package let runID: String

    package init(paths: BusPaths, taskID: String, runID: String) {
        self.paths = paths
        self.taskID = taskID
        self.runID = runID
    }

    package var directory: String { paths.archiveDirectory(task: taskID, run: runID) }

    /// Copies a bus file as `r<round>_<name>`; returns whether it existed.
    @discardableResult
    ///
    /// - Parameter replacedOnly: the PM only ever replaces this file whole (state, prompts,
    ///   verify results, review request, fix list: `AtomicFile.write`), never changes it in place,
    ///   so the archive can take a second name for it (`AtomicFile.hardLink`) instead of a copy:
    ///   no new file made, nothing read or written. Files agents write are always copied.
    package func keep(_ source: String, round: Int, as name: String? = nil, replacedOnly: Bool = false) throws -> Bool {
        let fileName = name ?? (source as NSString).lastPathComponent
        let destination = paths.archiveFile(task: taskID, run: runID, round: round, name: fileName)
        if replacedOnly, AtomicFile.hardLink(source, to: destination) { return true }
        return try Filesystem.copyIfPresent(source, to: destination, durable: false)
    }

    /// Moves a stale or foreign report out of the way, keeping it under `stale/`.
    ///
    /// The file is moved with one `rename`, never copied then deleted: an agent that writes its
    /// real report at that moment must not have it deleted unread. If what was moved turns out
    /// to be current after all (`isCurrent`), it is put back on the bus.
    package func setAsideStale(_ source: String, reason: String, isCurrent: ((String) -> Bool)? = nil) throws {
        let stamp = Timestamp.now().filter { $0 != ":" }
        let name = "\(stamp)-\(UInt32.random(in: 0 ... .max))-\((source as NSString).lastPathComponent)"
        let destination = "\(directory)/stale/\(name)"
        try Filesystem.createDirectory("\(directory)/stale")
        var info = stat()
        guard lstat(source, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) != S_IFREG {
            // A symlink (or other special file) is never followed or kept: only a note of it.
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: source)) ?? "?"
            unlink(source)
            try? AtomicFile.write("\(reason)\nwas not a regular file (symlink to \(target)); removed, not kept\n", to: destination + ".why")
            return
        }
        guard rename(source, destination) == 0 else {
            if errno == ENOENT { return }
            throw LoopError.io(operation: "Moving aside", path: source, errno: errno)
        }
        AtomicFile.syncDirectory((source as NSString).deletingLastPathComponent)
        if let isCurrent, isCurrent(destination) {
            // The real report landed just before the move: put it back unless a newer one is there.
            if link(destination, source) == 0 { unlink(destination) }
            return
        }
        try? AtomicFile.write(reason + "\n", to: destination + ".why")
    }

    /// Removes a bus file that has already been archived.
    package func removeArchived(_ path: String) throws {
        guard Filesystem.exists(path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw LoopError.other("Cannot remove \(path): \(error.localizedDescription)", .roundFailed)
        }
    }

    /// Archives every per-round bus file of `round` (`BusPaths.roundFiles`), with the task
    /// card, the state and the round's prompts.
    package func keepRound(_ round: Int, taskPath: String) throws {
        try keep(taskPath, round: round, as: BusPaths.taskCard)
        let byAgents = [paths.workReport, paths.reviewReport]
        for file in paths.roundFiles + [paths.state] {
            try keep(file, round: round, replacedOnly: !byAgents.contains(file))
        }
        for role in Role.allCases {
            try keep(paths.prompt(role), round: round, replacedOnly: true)
        }
    }
}
