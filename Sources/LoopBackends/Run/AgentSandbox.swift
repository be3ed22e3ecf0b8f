import Foundation
import LoopCore

/// Wraps an external agent CLI (codex, claude, a `command` backend) in bubblewrap, on request
/// (`--agent-sandbox`, `backends.<name>.sandbox: true`).
///
/// Inside: the worktree and the bus folder writable (the agent writes its report there), the
/// agent's own config folders writable (`~/.codex`, `~/.claude`, `~/.config/<name>`: its
/// login and session state), the network (it talks to its model API), and the toolchain plus
/// the agent's own install read-only. Everything else — the user's checkout around the
/// worktree, the rest of `$HOME`, other repositories — is not there. This is the safe way to
/// run CLIs whose permission checks loop turns off.
struct AgentSandbox: Sendable {
    var bwrapPath: String
    var backendName: String
    var request: DispatchRequest

    /// The sandboxed argv. The environment is the one the process is started with (the
    /// invocation's on top of the PM's), passed through bwrap, never spelled out in argv.
    func wrap(_ invocation: Invocation) -> [String] {
        let host = ProcessInfo.processInfo.environment
        let writable = [request.busDir] + configPaths(home: host["HOME"])
        var mounts = SandboxMounts.system(environment: host)
        for folder in installFolders(of: invocation.arguments.first ?? "")
        where !mounts.readOnlyFolders.contains(where: { PathProbe.path(folder, isWithin: $0) }) {
            mounts.entries.append(.readOnly(folder))
        }
        let hidden = BubblewrapCommand.defaultHiddenPaths(home: host["HOME"]).filter { path in
            !writable.contains { PathProbe.path(path, isWithin: $0) || PathProbe.path($0, isWithin: path) }
        }
        let builder = BubblewrapCommand(
            bwrapPath: bwrapPath, shellPath: "/bin/sh", workspace: request.workdir, environment: [:],
            hiddenPaths: hidden, allowsNetwork: true, writablePaths: writable, mounts: mounts, clearsEnvironment: false)
        return builder.arguments(running: invocation.arguments)
    }

    /// The agent's own state folders under `home` that exist: `~/.<name>`, `~/.config/<name>`,
    /// and claude's `~/.claude.json`.
    func configPaths(home: String?) -> [String] {
        guard let home, home.hasPrefix("/"), home != "/" else { return [] }
        var paths = ["\(home)/.\(backendName)", "\(home)/.config/\(backendName)"]
        if backendName == "claude" { paths.append("\(home)/.claude.json") }
        return paths.filter { PathProbe.kind($0) == .directory || PathProbe.kind($0) == .regular }
    }

    /// Folders holding the program when it is installed outside the system folders: its own
    /// folder (a node install's `bin`, with `node` beside it) and, when it is a symlink, the
    /// package folder it points into. Never `/` or `$HOME` itself.
    func installFolders(of program: String) -> [String] {
        guard program.hasPrefix("/") else { return [] }
        let home = ProcessInfo.processInfo.environment["HOME"].flatMap { PathProbe.realPath($0) ?? $0 }
        var folders = [(program as NSString).deletingLastPathComponent]
        if let real = PathProbe.realPath(program), real != program {
            folders.append(((real as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent)
        }
        return folders.filter { folder in
            folder != "/" && folder != home && !(home.map { PathProbe.path($0, isWithin: folder) } ?? false)
                && PathProbe.isDirectory(folder)
        }
    }
}
