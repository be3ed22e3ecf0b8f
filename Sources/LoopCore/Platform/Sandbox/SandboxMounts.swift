import Foundation

/// The host folders a sandboxed command sees read-only: what a toolchain needs, nothing more.
///
/// Never `/` as a whole: that would show the user's checkout (its `.env`), `$HOME`
/// (`~/.ssh`) and every other repository. The set is `/usr`, `/bin`, `/sbin`, `/lib*`, `/etc`
/// (its credential files masked), `/opt` (toolchains such as `/opt/swift`), and the prefix of
/// the Python interpreter on `PATH` when it lives elsewhere (a pyenv under `/root/.pyenv` is
/// bound as that one folder, never the home around it).
package struct SandboxMounts: Sendable, Equatable {
    /// One root entry of the host: a folder bound read-only, or a symlink recreated as is.
    package enum Entry: Sendable, Equatable {
        case readOnly(String)
        case symlink(path: String, target: String)
    }

    package var entries: [Entry]
    /// Files under bound folders replaced by `/dev/null` (`/etc/shadow`, host SSH keys).
    package var maskedFiles: [String]
    /// Folders under bound folders replaced by an empty tmpfs (`/etc/ssl/private`).
    package var maskedFolders: [String]

    package init(entries: [Entry], maskedFiles: [String] = [], maskedFolders: [String] = []) {
        self.entries = entries
        self.maskedFiles = maskedFiles
        self.maskedFolders = maskedFolders
    }

    /// The folders bound read-only.
    package var readOnlyFolders: [String] {
        entries.compactMap { if case .readOnly(let path) = $0 { path } else { nil } }
    }

    /// Top-level system folders a toolchain may need; missing ones are skipped.
    package static let systemRoots = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", "/etc", "/opt"]

    /// Credential files under `/etc` that no build or test reads.
    package static let etcCredentialFiles = [
        "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/security/opasswd",
    ]
    package static let etcCredentialFolders = ["/etc/ssl/private"]

    /// The mounts for this host.
    /// - Parameter environment: the PM's environment (`PATH` and `HOME` locate the interpreter prefix).
    package static func system(environment: [String: String]) -> SandboxMounts {
        var entries: [Entry] = []
        for root in systemRoots {
            switch PathProbe.kind(root) {
            case .directory: entries.append(.readOnly(root))
            case .symlink:
                if let target = PathProbe.linkTarget(root) { entries.append(.symlink(path: root, target: target)) }
            default: continue
            }
        }
        let bound = entries.compactMap { if case .readOnly(let path) = $0 { path } else { nil } }
        if let prefix = interpreterPrefix(environment: environment),
            !bound.contains(where: { PathProbe.path(prefix, isWithin: $0) })
        {
            entries.append(.readOnly(prefix))
        }
        var files = etcCredentialFiles.filter { PathProbe.kind($0) == .regular }
        let sshHostKeys = (try? FileManager.default.contentsOfDirectory(atPath: "/etc/ssh")) ?? []
        files += sshHostKeys.filter { $0.hasPrefix("ssh_host_") && $0.hasSuffix("_key") }.map { "/etc/ssh/" + $0 }
        let folders = etcCredentialFolders.filter { PathProbe.kind($0) == .directory }
        return SandboxMounts(entries: entries, maskedFiles: files, maskedFolders: folders)
    }

    /// The install prefix of the first `python3` on `PATH` when it is outside the system
    /// folders: `/root/.pyenv` for a pyenv shim or version, `<prefix>` for `<prefix>/bin/python3`.
    /// Never `/`, never `$HOME` itself.
    static func interpreterPrefix(environment: [String: String]) -> String? {
        let path = environment["PATH"] ?? ""
        guard
            let found = path.split(separator: ":").map(String.init).first(where: { directory in
                directory.hasPrefix("/") && PathProbe.kind(directory + "/python3") != .missing
            })
        else { return nil }
        let candidates = [found + "/python3", PathProbe.realPath(found + "/python3") ?? ""]
        for candidate in candidates where !candidate.isEmpty {
            if let range = candidate.range(of: "/.pyenv/") {
                return String(candidate[..<range.lowerBound]) + "/.pyenv"
            }
        }
        guard let real = PathProbe.realPath(found + "/python3") else { return nil }
        var parts = real.split(separator: "/").map(String.init)
        guard parts.count >= 3, parts[parts.count - 2] == "bin" else { return nil }
        parts.removeLast(2)
        let prefix = "/" + parts.joined(separator: "/")
        let home = environment["HOME"].flatMap { PathProbe.realPath($0) ?? $0 }
        if prefix == "/" || prefix == home { return nil }
        if let home, PathProbe.path(home, isWithin: prefix) { return nil }
        return prefix
    }
}
