package import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Lays the `.loop` skeleton (config, prompt templates, example card, README, .gitignore)
/// into a bus folder without ever losing what the user wrote.
///
/// `loop init` is meant to be run again at any time (after an upgrade, to restore a deleted
/// file), so it is idempotent: missing files are created, identical files are left alone and
/// edited files are kept. With `force`, an edited file is replaced only after its content is
/// saved as `<name>.bak-<timestamp>` next to it.
package struct SkeletonInstaller: Sendable {
    /// What `install` did with one file.
    package enum Action: String, Sendable, Equatable {
        /// The file was missing and has been written.
        case created
        /// The file already had the skeleton's content.
        case unchanged
        /// The file differs from the skeleton (the user edited it) and was left as it is.
        case kept
        /// The file differed and `force` replaced it, after saving a backup.
        case replaced
    }

    /// The outcome for one skeleton file.
    package struct FileResult: Sendable, Equatable {
        /// Path inside the bus folder, e.g. `config.yaml` or `templates/worker_prompt.txt`.
        package var relativePath: String
        /// Absolute path of the file.
        package var path: String
        package var action: Action
        /// Absolute path of the saved copy of the user's version (only for `replaced`).
        package var backupPath: String?
    }

    /// One file of the skeleton as it is laid down.
    package struct File: Sendable, Equatable {
        /// Path inside the bus folder.
        package var relativePath: String
        package var contents: String
        package var isExecutable: Bool
    }

    /// Top-level files laid into the bus folder besides `.loop-skeleton/`, so their text lives
    /// once in the repository (`templates/`, `examples/`) and once in the binary.
    static let sharedFiles: [(source: String, destination: String)] = [
        ("templates/worker_prompt.txt", "templates/worker_prompt.txt"),
        ("templates/reviewer_prompt.txt", "templates/reviewer_prompt.txt"),
        ("examples/task_card.json", "examples/task_card.json"),
    ]

    static let skeletonFolder = ".loop-skeleton/"
    static let gitignoreName = ".gitignore"

    /// Every file `loop init` lays down, sorted by path.
    package static let files: [File] = {
        var files: [File] = EmbeddedFiles.files(under: skeletonFolder).map { relative, contents in
            File(
                relativePath: relative, contents: contents,
                isExecutable: EmbeddedFiles.isExecutable(skeletonFolder + relative))
        }
        for shared in sharedFiles {
            guard let contents = EmbeddedFiles.all[shared.source] else {
                preconditionFailure("\(shared.source) is not embedded; run scripts/gen-embedded")
            }
            files.append(
                File(
                    relativePath: shared.destination, contents: contents,
                    isExecutable: EmbeddedFiles.isExecutable(shared.source)))
        }
        return files.sorted { $0.relativePath < $1.relativePath }
    }()

    /// Absolute path of the bus folder.
    package let loopDir: String
    /// Replace edited files (after backing each one up).
    package let force: Bool

    /// - Parameters:
    ///   - loopDir: the bus folder, absolute or relative to the current folder (`.loop` by default in the CLI).
    ///   - force: replace files whose content differs from the skeleton, keeping a backup of each.
    package init(loopDir: String, force: Bool = false) {
        self.loopDir = Filesystem.absolute(loopDir)
        self.force = force
    }

    /// Lays down every skeleton file and says what happened to each.
    ///
    /// - Parameter now: the time stamped into backup names (a parameter so tests can pin it).
    /// - Returns: one result per file, sorted by path.
    /// - Throws: `LoopError` when a file cannot be read or written, or a folder stands where a
    ///   file belongs. Files handled before the failure stay as they were written.
    package func install(now: Date = Date()) throws -> [FileResult] {
        try Filesystem.createDirectory(loopDir)
        return try SkeletonInstaller.files.map { try install($0, now: now) }
    }

    private func install(_ file: File, now: Date) throws -> FileResult {
        let path = "\(loopDir)/\(file.relativePath)"
        let wanted = Data(file.contents.utf8)
        let mode: mode_t = file.isExecutable ? 0o755 : 0o644
        var result = FileResult(relativePath: file.relativePath, path: path, action: .created, backupPath: nil)
        guard Filesystem.exists(path) else {
            try AtomicFile.write(wanted, to: path, mode: mode)
            return result
        }
        if Filesystem.isDirectory(path) {
            throw LoopError.other(
                "\(path) is a folder, but loop init puts a file there. Move the folder away and run loop init again.",
                .configError)
        }
        guard let existing = FileManager.default.contents(atPath: path) else {
            throw LoopError.other("Cannot read \(path). Check its permissions and run loop init again.", .configError)
        }
        if existing == wanted {
            result.action = .unchanged
            return result
        }
        guard force else {
            result.action = .kept
            return result
        }
        let backup = SkeletonInstaller.freeBackupPath(for: path, now: now)
        try AtomicFile.write(existing, to: backup)
        try AtomicFile.write(wanted, to: path, mode: mode)
        result.action = .replaced
        result.backupPath = backup
        return result
    }

    /// `<path>.bak-<UTC timestamp>`, with `-2`, `-3`… appended when that name is taken, so a
    /// second `--force` within the same second never overwrites the first backup.
    static func freeBackupPath(for path: String, now: Date) -> String {
        let iso: String = now.formatted(Date.ISO8601FormatStyle())
        let stamp = iso.filter { $0 != "-" && $0 != ":" }
        let base = "\(path).bak-\(stamp)"
        var candidate = base
        var counter = 2
        while Filesystem.exists(candidate) {
            candidate = "\(base)-\(counter)"
            counter += 1
        }
        return candidate
    }

    /// Creates `<loopDir>/.gitignore` (ignoring the runtime files) when it is missing.
    ///
    /// `loop run` calls this so a bus made without `loop init` still keeps state, reports,
    /// logs and worktrees out of the user's commits. An existing `.gitignore` is never touched:
    /// the user may have chosen to track more or less.
    ///
    /// - Parameter loopDir: the bus folder, absolute or relative to the current folder.
    /// - Returns: true when the file was created.
    /// - Throws: `LoopError` when the folder or file cannot be written.
    @discardableResult
    package static func ensureGitignore(loopDir: String) throws -> Bool {
        let path = "\(Filesystem.absolute(loopDir))/\(gitignoreName)"
        if Filesystem.exists(path) { return false }
        guard let contents = EmbeddedFiles.all[skeletonFolder + gitignoreName] else {
            preconditionFailure("\(skeletonFolder + gitignoreName) is not embedded; run scripts/gen-embedded")
        }
        try AtomicFile.write(Data(contents.utf8), to: path)
        return true
    }
}
