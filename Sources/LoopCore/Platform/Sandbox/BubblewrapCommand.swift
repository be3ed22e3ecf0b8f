import Foundation

/// Builds the `bwrap` command line that confines one command: the agent's shell, a verify
/// command, or (on request) a whole external agent CLI. One implementation for all three.
///
/// Verified in the dev container (bubblewrap 0.8.0, running as root, user namespaces on):
/// only the folders in `SandboxMounts` exist, read-only (`touch /usr/x` → EROFS); the
/// workspace is writable; the user's checkout around a worktree, `$HOME` and other
/// repositories are simply not there; only a loopback device exists unless network is
/// allowed; the command sees a new pid namespace (`kill -9 -1` ends only the sandbox);
/// capabilities are dropped; and the environment is only what we set.
///
/// Mount order matters: `--tmpfs /tmp` must come before `--bind <workspace>`, or a
/// workspace under `/tmp` would be hidden by the fresh tmpfs. Binding a worktree at
/// `<checkout>/.loop/worktrees/<task>` creates empty mount points for its parents in the
/// sandbox's own root; the checkout's files are not bound.
///
/// Disk: every file a command writes is capped at `maxFileBytes` (RLIMIT_FSIZE through
/// `ulimit -f`, which the command cannot raise), and the private `/tmp` is a tmpfs of that size.
///
/// Git: the workspace's `.git` (a folder, or a worktree's `.git` file), and for a linked
/// worktree the git folder it points to and the repository's common git folder, are bound
/// read-only. `git status`, `diff` and `log` work (with `GIT_OPTIONAL_LOCKS=0`); `git commit`
/// fails. The PM commits whatever the worker leaves, so the worker can never rewrite history.
package struct BubblewrapCommand: Sendable {
    package var bwrapPath: String
    package var shellPath: String
    package var workspace: String
    package var environment: [String: String]
    /// Host paths to hide when they lie under a bound folder (folders get an empty tmpfs,
    /// files become `/dev/null`).
    package var hiddenPaths: [String]
    /// Largest file a command may write, and the size of its `/tmp`.
    package var maxFileBytes: Int
    /// Keep the host's network (external agent CLIs, `verify_network: true`).
    package var allowsNetwork: Bool
    /// Folders besides the workspace the command may write (the bus, an agent's config folder).
    package var writablePaths: [String]
    /// The read-only system folders.
    package var mounts: SandboxMounts
    /// Start from an empty environment and set `environment` (`--clearenv`). False keeps the
    /// environment bwrap itself is given, so credentials an agent CLI needs never appear in argv.
    package var clearsEnvironment: Bool

    package init(
        bwrapPath: String, shellPath: String, workspace: String, environment: [String: String],
        hiddenPaths: [String] = [], maxFileBytes: Int = 1 << 30, allowsNetwork: Bool = false,
        writablePaths: [String] = [], mounts: SandboxMounts? = nil, clearsEnvironment: Bool = true
    ) {
        self.clearsEnvironment = clearsEnvironment
        self.bwrapPath = bwrapPath
        self.shellPath = shellPath
        self.workspace = workspace
        self.environment = environment
        self.hiddenPaths = hiddenPaths
        self.maxFileBytes = max(1024, maxFileBytes)
        self.allowsNetwork = allowsNetwork
        self.writablePaths = writablePaths
        self.mounts = mounts ?? SandboxMounts.system(environment: ProcessInfo.processInfo.environment)
    }

    /// The argv: `bwrap <options> -- bash -c <command>` under the file-size limit.
    package func arguments(for command: String) -> [String] {
        arguments(running: [shellPath] + Self.limitedShellArguments(command, maxFileBytes: maxFileBytes))
    }

    /// The argv: `bwrap <options> -- <program...>` (no shell, no file-size limit).
    package func arguments(running program: [String]) -> [String] {
        var arguments = [bwrapPath]
        // Every namespace (user, ipc, pid, net, uts, cgroup); the network only on request.
        arguments += ["--unshare-all"]
        arguments += allowsNetwork ? ["--share-net"] : ["--unshare-net"]
        arguments += ["--die-with-parent", "--new-session", "--cap-drop", "ALL"]
        // Folders under /tmp (an agent installed in a temp folder) go after the private /tmp.
        let underTmp = { (entry: SandboxMounts.Entry) -> Bool in
            if case .readOnly(let path) = entry { return PathProbe.path(path, isWithin: "/tmp") }
            return false
        }
        for entry in mounts.entries where !underTmp(entry) {
            switch entry {
            case .readOnly(let path): arguments += ["--ro-bind", path, path]
            case .symlink(let path, let target): arguments += ["--symlink", target, path]
            }
        }
        for file in mounts.maskedFiles { arguments += ["--ro-bind", "/dev/null", file] }
        for folder in mounts.maskedFolders { arguments += ["--tmpfs", folder] }
        arguments += ["--dev", "/dev", "--proc", "/proc"]
        arguments += ["--size", String(maxFileBytes), "--tmpfs", "/tmp"]
        for entry in mounts.entries where underTmp(entry) {
            if case .readOnly(let path) = entry { arguments += ["--ro-bind", path, path] }
        }
        if allowsNetwork { arguments += resolverMounts() }
        for path in gitFolders() where !PathProbe.path(path, isWithin: workspace) {
            arguments += ["--ro-bind", path, path]
        }
        // Before the workspace: a writable bus folder may contain the worktree, whose `.git`
        // must stay read-only.
        for path in writablePaths where !PathProbe.path(path, isWithin: workspace) {
            switch PathProbe.kind(path) {
            case .directory, .regular: arguments += ["--bind", path, path]
            default: continue
            }
        }
        arguments += ["--bind", workspace, workspace]
        let gitPath = workspace + "/.git"
        if [.directory, .regular].contains(PathProbe.kind(gitPath)) {
            arguments += ["--ro-bind", gitPath, gitPath]
        }
        // After the binds, so a credential folder inside a bound folder is hidden too; one
        // that contains the workspace is left alone (hiding it would hide the workspace).
        let visible = mounts.readOnlyFolders + [workspace] + writablePaths
        for path in hiddenPaths
        where !PathProbe.path(workspace, isWithin: path)
            && visible.contains(where: { PathProbe.path(path, isWithin: $0) })
        {
            switch PathProbe.kind(path) {
            case .directory: arguments += ["--tmpfs", path]
            case .regular: arguments += ["--ro-bind", "/dev/null", path]
            default: continue
            }
        }
        arguments += ["--chdir", workspace]
        if clearsEnvironment {
            arguments += ["--clearenv"]
            for name in environment.keys.sorted() {
                arguments += ["--setenv", name, environment[name] ?? ""]
            }
        }
        return arguments + ["--"] + program
    }

    /// For a linked worktree (`.git` is a file `gitdir: <dir>`): the repository's common git
    /// folder and the worktree's own git folder, which git needs to read; nothing else.
    func gitFolders() -> [String] {
        let gitFile = workspace + "/.git"
        guard PathProbe.kind(gitFile) == .regular,
            let text = try? String(contentsOfFile: gitFile, encoding: .utf8),
            let line = text.split(separator: "\n").first, line.hasPrefix("gitdir:")
        else { return [] }
        var gitDir = line.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespaces)
        if !gitDir.hasPrefix("/") { gitDir = workspace + "/" + gitDir }
        guard let resolved = PathProbe.realPath(gitDir), PathProbe.isDirectory(resolved) else { return [] }
        var folders = [resolved]
        if let common = try? String(contentsOfFile: resolved + "/commondir", encoding: .utf8) {
            let relative = common.trimmingCharacters(in: .whitespacesAndNewlines)
            let joined = relative.hasPrefix("/") ? relative : resolved + "/" + relative
            if let commonDir = PathProbe.realPath(joined), PathProbe.isDirectory(commonDir) {
                folders = PathProbe.path(resolved, isWithin: commonDir) ? [commonDir] : [commonDir, resolved]
            }
        }
        return folders
    }

    /// `/etc/resolv.conf` often points into `/run` (systemd-resolved): bind that folder too.
    private func resolverMounts() -> [String] {
        guard let target = PathProbe.realPath("/etc/resolv.conf"), !target.hasPrefix("/etc/") else { return [] }
        let folder = (target as NSString).deletingLastPathComponent
        return PathProbe.isDirectory(folder) ? ["--ro-bind", folder, folder] : []
    }

    /// `-c <script> loop-shell <command>`: sets the file-size limit, then runs `command` in
    /// the same shell (`eval`), so the limit holds for everything it starts.
    package static func limitedShellArguments(_ command: String, maxFileBytes: Int) -> [String] {
        let blocks = max(1, maxFileBytes / 1024)  // bash counts `ulimit -f` in 1024-byte blocks
        return ["-c", "ulimit -f \(blocks) || exit 126; eval \"$1\"", "loop-shell", command]
    }

    /// The argv of a minimal sandbox that runs `true`: proves bubblewrap works here.
    package static func probeArguments(bwrapPath: String) -> [String] {
        BubblewrapCommand(
            bwrapPath: bwrapPath, shellPath: "/bin/sh", workspace: "/tmp", environment: [:], maxFileBytes: 1 << 20
        ).arguments(running: ["/bin/sh", "-c", "true"])
    }

    /// Credential locations under `home` that commands never need to read.
    package static func defaultHiddenPaths(home: String?) -> [String] {
        guard let home, home.hasPrefix("/"), home != "/" else { return [] }
        let names = [
            ".ssh", ".gnupg", ".aws", ".azure", ".kube", ".docker", ".netrc", ".git-credentials", ".npmrc",
            ".pypirc", ".config/gcloud", ".config/gh", ".config/hub", ".claude", ".claude.json", ".codex",
            ".gemini", ".cargo/credentials", ".cargo/credentials.toml",
        ]
        return names.map { home + "/" + $0 }
    }
}
