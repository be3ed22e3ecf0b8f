import Foundation

/// What the archive holds: tasks, their runs, and each run's rounds.
package struct ArchiveIndex: Sendable {
    package struct RunEntry: Codable, Sendable, Equatable {
        package var taskID: String
        package var runID: String
        package var rounds: [Int]
        package var files: Int
        package var result: String?
        package var directory: String

        enum CodingKeys: String, CodingKey {
            case rounds, files, result, directory
            case taskID = "task_id"
            case runID = "run_id"
        }
    }

    package let paths: BusPaths

    package init(paths: BusPaths) {
        self.paths = paths
    }

    /// Runs in the archive, oldest first (run ids sort by start time).
    package func runs(task: String? = nil) throws -> [RunEntry] {
        if let task, !TaskCard.isValidTaskID(task) {
            throw LoopError.config("invalid task id '\(task)' (letters, digits, '-', '_' and '.' only)")
        }
        let fileManager = FileManager.default
        let tasks = task.map { [$0] } ?? ((try? fileManager.contentsOfDirectory(atPath: paths.archive)) ?? []).sorted()
        var entries: [RunEntry] = []
        for taskID in tasks {
            let taskDirectory = "\(paths.archive)/\(taskID)"
            guard Filesystem.isDirectory(taskDirectory) else { continue }
            for runID in ((try? fileManager.contentsOfDirectory(atPath: taskDirectory)) ?? []).sorted()
            where runID.hasPrefix("run-") {
                let directory = "\(taskDirectory)/\(runID)"
                let files = (try? fileManager.contentsOfDirectory(atPath: directory)) ?? []
                let rounds = Set(files.compactMap(Self.round(of:))).sorted()
                let result = files.filter { $0.hasSuffix("outcome.json") }.sorted().last
                    .flatMap { Outcome.load("\(directory)/\($0)")?.result.rawValue }
                entries.append(
                    RunEntry(
                        taskID: taskID, runID: runID, rounds: rounds, files: files.count, result: result,
                        directory: directory))
            }
        }
        return entries
    }

    /// The round number in an archive file name (`r3_work_report.json` → 3).
    static func round(of name: String) -> Int? {
        guard name.hasPrefix("r"), let underscore = name.firstIndex(of: "_") else { return nil }
        return Int(name[name.index(after: name.startIndex)..<underscore])
    }

    /// Bus files `archive restore` puts back onto `.loop/`.
    package static let restorable = [
        BusPaths.workReport, BusPaths.reviewReport, BusPaths.reviewRequest, BusPaths.fixList,
    ]

    /// Copies a round's bus files back onto the bus; returns the files restored.
    package func restore(_ entry: RunEntry, round: Int) throws -> [String] {
        guard entry.rounds.contains(round) else {
            throw LoopError.config(
                "Run \(entry.runID) of \(entry.taskID) has no round \(round) in the archive (rounds: \(entry.rounds.map(String.init).joined(separator: ", ")))."
            )
        }
        var restored: [String] = []
        for name in Self.restorable {
            let source = "\(entry.directory)/r\(round)_\(name)"
            var info = stat()
            guard lstat(source, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            try Filesystem.copyIfPresent(source, to: paths.file(name))
            restored.append(name)
        }
        return restored
    }

    /// The head commit recorded for a round, from the archived state.
    package func headSHA(_ entry: RunEntry, round: Int) -> String? {
        for name in ["r\(round)_state.json"] {
            guard let data = FileManager.default.contents(atPath: "\(entry.directory)/\(name)"),
                let state = try? JSONDecoder().decode(RunState.self, from: data)
            else { continue }
            return state.rounds.first { $0.round == round }?.headSHA
        }
        return nil
    }
}
