#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation

extension EmbeddedFiles {
    /// The embedded files under a folder, keyed by their path inside it.
    ///
    /// `loop init` lays down `.loop-skeleton/` and `loop demo` lays down `examples/hello/`
    /// this way, from the binary alone.
    ///
    /// - Parameter folder: a repo-relative folder such as `examples/hello` (a trailing `/` is optional).
    package static func files(under folder: String) -> [String: String] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        var files: [String: String] = [:]
        for (path, contents) in all where path.hasPrefix(prefix) {
            files[String(path.dropFirst(prefix.count))] = contents
        }
        return files
    }

    /// Whether the embedded file at `path` is a script that must be installed executable.
    package static func isExecutable(_ path: String) -> Bool {
        executables.contains(path)
    }

    /// Writes every embedded file under `folder` into `directory`, scripts with mode 0755.
    ///
    /// Meant for fresh folders (the demo project, test fixtures): existing files with the same
    /// names are replaced. `loop init` uses `SkeletonInstaller`, which never loses an edit.
    ///
    /// - Returns: the absolute paths written, sorted.
    /// - Throws: `LoopError` when a folder or file cannot be written.
    @discardableResult
    package static func write(under folder: String, to directory: String) throws -> [String] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        let root = Filesystem.absolute(directory)
        var written: [String] = []
        for (relative, contents) in files(under: folder).sorted(by: { $0.key < $1.key }) {
            let path = "\(root)/\(relative)"
            let mode: mode_t = isExecutable(prefix + relative) ? 0o755 : 0o644
            try AtomicFile.write(Data(contents.utf8), to: path, mode: mode)
            written.append(path)
        }
        return written
    }
}
