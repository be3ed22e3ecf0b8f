import Foundation
import LoopCore
import Testing

/// What the sandbox binds, checked without running it: the toolchain, never `/` or `$HOME`.
@Suite struct SandboxMountsTests {
    @Test("the system set binds toolchain folders read-only, never / or the home folder, and masks /etc credentials")
    func systemSet() {
        let mounts = SandboxMounts.system(environment: ["PATH": "/usr/bin:/bin", "HOME": "/root"])
        let folders = mounts.readOnlyFolders
        #expect(folders.contains("/usr") && folders.contains("/etc"))
        #expect(!folders.contains("/") && !folders.contains("/root") && !folders.contains("/home") && !folders.contains("/tmp"))
        if FileManager.default.fileExists(atPath: "/etc/shadow") { #expect(mounts.maskedFiles.contains("/etc/shadow")) }
        let command = BubblewrapCommand(
            bwrapPath: "/usr/bin/bwrap", shellPath: "/bin/bash", workspace: "/work/repo/.loop/worktrees/T-1",
            environment: [:], mounts: mounts)
        let argv = command.arguments(for: "true").joined(separator: " ")
        #expect(!argv.contains("--ro-bind / /") && !argv.contains("--bind /work/repo /work/repo"))
        #expect(argv.contains("--unshare-net") && !argv.contains("--share-net"))
        let networked = BubblewrapCommand(
            bwrapPath: "/usr/bin/bwrap", shellPath: "/bin/bash", workspace: "/w", environment: [:], allowsNetwork: true,
            mounts: mounts)
        #expect(networked.arguments(for: "true").contains("--share-net"))
    }

    @Test("a python3 outside the system folders binds its prefix (a pyenv root as one folder), never $HOME")
    func interpreterPrefix() throws {
        let dir = try TempDir()
        let venv = dir.path + "/tools/py"
        try FileManager.default.createDirectory(atPath: venv + "/bin", withIntermediateDirectories: true)
        try "#!/bin/sh\n".write(toFile: venv + "/bin/python3", atomically: false, encoding: .utf8)
        chmod(venv + "/bin/python3", 0o755)
        let real = PathProbe.realPath(venv) ?? venv
        let found = SandboxMounts.system(environment: ["PATH": venv + "/bin:/usr/bin", "HOME": "/root"])
        #expect(found.readOnlyFolders.contains(real), "\(found.readOnlyFolders)")
        let home = SandboxMounts.system(environment: ["PATH": venv + "/bin", "HOME": real])
        #expect(!home.readOnlyFolders.contains(real), "the home folder itself is never bound")
        let pyenv = dir.path + "/home/.pyenv"
        try FileManager.default.createDirectory(atPath: pyenv + "/shims", withIntermediateDirectories: true)
        try "#!/bin/sh\n".write(toFile: pyenv + "/shims/python3", atomically: false, encoding: .utf8)
        let shim = SandboxMounts.system(environment: ["PATH": pyenv + "/shims", "HOME": dir.path + "/home"])
        #expect(shim.readOnlyFolders.contains(pyenv), "\(shim.readOnlyFolders)")
        #expect(!shim.readOnlyFolders.contains(dir.path + "/home"))
    }
}
