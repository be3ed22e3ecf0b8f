import Foundation

/// Builds the `bwrap` command line that confines one worker command.
///
/// Verified in the dev container (bubblewrap 0.8.0, running as root, user namespaces on):
/// the root file system is read-only (`touch /etc/x` → EROFS), the workspace is writable,
/// only a loopback device exists (connecting to a host listener is refused), the command
/// sees a new pid namespace (`kill -9 -1` ends only the sandbox), capabilities are dropped
/// (`mount -o remount,rw /` → permission denied), and the environment is only what we set.
///
/// Mount order matters: `--tmpfs /tmp` must come before `--bind <workspace>`, or a
/// workspace under `/tmp` would be hidden by the fresh tmpfs. `/run` is replaced by a tmpfs
/// because a read-only bind does not stop `connect(2)` to unix sockets there (docker,
/// dbus). Credential files under the host's home (`~/.ssh`, `~/.aws`, ...) are hidden so a
/// command cannot copy them into the project, which the PM may commit or show a reviewer.
///
/// Disk: every file a command writes is capped at `maxFileBytes` (RLIMIT_FSIZE through
/// `ulimit -f`, hard and soft, which the command cannot raise: the write fails with EFBIG and
/// the writer gets SIGXFSZ), and the private `/tmp` is a tmpfs of that size, so one command
/// cannot fill the disk under the workspace or the machine's memory with a runaway write.
///
/// Git: the workspace's `.git` (a folder, or the worktree's `.git` file) is re-bound
/// read-only, and a worktree's gitdir in the main repository is read-only with the rest
/// of `/`. `git status`, `diff` and `log` work (with `GIT_OPTIONAL_LOCKS=0`); `git commit`
/// fails. That is deliberate: the PM commits whatever the worker leaves, so the worker
/// can never rewrite history, move refs or corrupt the repository.
struct BubblewrapCommand {
    var bwrapPath: String
    var shellPath: String
    var workspace: String
    var environment: [String: String]
    /// Existing host paths to hide (folders get an empty tmpfs, files become `/dev/null`).
    var hiddenPaths: [String]
    /// Largest file a command may write, and the size of its `/tmp`.
    var maxFileBytes: Int

    /// The argv: `bwrap <options> -- bash -c <command>`.
    func arguments(for command: String) -> [String] {
        var arguments = [bwrapPath]
        // Every namespace (user, ipc, pid, net, uts, cgroup): no network, own pid 1.
        arguments += ["--unshare-all", "--unshare-net", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
        arguments += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        arguments += ["--size", String(maxFileBytes), "--tmpfs", "/tmp"]
        if isRealDirectory("/run") && !workspace.hasPrefix("/run/") { arguments += ["--tmpfs", "/run"] }
        arguments += ["--bind", workspace, workspace]
        let gitPath = workspace + "/.git"
        if case .success(let info) = FileProbe.entry(gitPath), info.kind == .directory || info.kind == .regular {
            arguments += ["--ro-bind", gitPath, gitPath]
        }
        // After the workspace bind, so a credential folder inside a workspace is hidden too;
        // one that contains the workspace is left alone (hiding it would hide the workspace).
        for path in hiddenPaths where !(workspace + "/").hasPrefix(path + "/") {
            switch FileProbe.entry(path) {
            case .success(let info) where info.kind == .directory: arguments += ["--tmpfs", path]
            case .success(let info) where info.kind == .regular: arguments += ["--ro-bind", "/dev/null", path]
            default: continue
            }
        }
        arguments += ["--chdir", workspace, "--clearenv"]
        for name in environment.keys.sorted() {
            arguments += ["--setenv", name, environment[name] ?? ""]
        }
        arguments += ["--", shellPath] + Self.limitedShellArguments(command, maxFileBytes: maxFileBytes)
        return arguments
    }

    /// `-c <script> loop-shell <command>`: sets the file-size limit, then runs `command` in
    /// the same shell (`eval`), so the limit holds for everything it starts.
    static func limitedShellArguments(_ command: String, maxFileBytes: Int) -> [String] {
        let blocks = max(1, maxFileBytes / 1024)  // bash counts `ulimit -f` in 1024-byte blocks
        return ["-c", "ulimit -f \(blocks) || exit 126; eval \"$1\"", "loop-shell", command]
    }

    /// The argv of a minimal sandbox that runs `true`: proves bubblewrap works here.
    static func probeArguments(bwrapPath: String) -> [String] {
        [
            bwrapPath, "--unshare-all", "--unshare-net", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--", "/bin/sh", "-c", "true",
        ]
    }

    /// Credential locations under `home` that commands never need to read.
    static func defaultHiddenPaths(home: String?) -> [String] {
        guard let home, home.hasPrefix("/"), home != "/" else { return [] }
        let names = [
            ".ssh", ".gnupg", ".aws", ".azure", ".kube", ".docker", ".netrc", ".git-credentials", ".npmrc",
            ".pypirc", ".config/gcloud", ".config/gh", ".config/hub", ".claude", ".claude.json", ".codex",
            ".gemini", ".cargo/credentials", ".cargo/credentials.toml",
        ]
        return names.map { home + "/" + $0 }
    }

    private func isRealDirectory(_ path: String) -> Bool {
        if case .success(let info) = FileProbe.entry(path) { return info.kind == .directory }
        return false
    }
}
