import Foundation
import LoopCore
import LoopTestSupport
import Testing

@testable import LoopAgent

/// The agent's shell sees the worktree and the toolchain, not the machine: the user's checkout
/// around a `.loop/worktrees/<task>` worktree, `~/.ssh`, the rest of `/root` and other
/// repositories are not there, while bash, python3 and git still work.
@Suite(.serialized, .timeLimit(.minutes(2)), .enabled(if: BubblewrapRequirement.shouldRun))
struct SandboxVisibilityTests {
    /// A main checkout with a linked worktree inside it (as `loop run` makes) and a second repository.
    struct Layout {
        let base: String
        let main: String
        let worktree: String
        let other: String

        static func make() async throws -> Layout {
            let raw = NSTemporaryDirectory() + "loop-visibility-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: raw, withIntermediateDirectories: true)
            let base = PathProbe.realPath(raw) ?? raw
            let layout = Layout(
                base: base, main: base + "/main", worktree: base + "/main/.loop/worktrees/T-1", other: base + "/other")
            for repo in [layout.main, layout.other] {
                try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
                try "MAIN-CHECKOUT-SECRET=1\n".write(toFile: repo + "/.env", atomically: false, encoding: .utf8)
                try "hello\n".write(toFile: repo + "/README.md", atomically: false, encoding: .utf8)
                try await git(["init", "-q", "-b", "main"], in: repo)
                try await git(["add", "README.md"], in: repo)
                try await git(["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init"], in: repo)
            }
            try await git(["worktree", "add", "-q", "-b", "loop/T-1", layout.worktree], in: layout.main)
            return layout
        }

        static func git(_ arguments: [String], in directory: String) async throws {
            let result = try await ProcessRunner.capture(["git"] + arguments, in: directory)
            guard result.succeeded else { throw SetupError(text: "git \(arguments): \(result.stderr)") }
        }

        func cleanUp() { try? FileManager.default.removeItem(atPath: base) }
    }

    struct SetupError: Error { var text: String }

    private func sandbox(for layout: Layout) async throws -> ShellSandbox {
        let configuration = ShellSandbox.Configuration(timeout: .seconds(30), killGrace: .milliseconds(500))
        let availability = await ShellSandbox.detect(configuration: configuration)
        guard case .sandboxed = availability else {
            throw SetupError(text: "bubblewrap is required here (CI=true) but unusable: \(availability.message)")
        }
        return ShellSandbox(
            workspace: try Workspace(root: layout.worktree), configuration: configuration, availability: availability)
    }

    @Test("the user's checkout around the worktree, ~/.ssh, /root and another repository cannot be read")
    func outsideIsInvisible() async throws {
        let layout = try await Layout.make()
        defer { layout.cleanUp() }
        let home = NSHomeDirectory()
        // A fake key in the real home, only when none is there (and removed afterwards).
        let sshKey = home + "/.ssh/id_rsa"
        var madeKey = false
        if !FileManager.default.fileExists(atPath: sshKey) {
            try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
            try "-----BEGIN FAKE KEY FOR LOOP TEST-----\n".write(toFile: sshKey, atomically: false, encoding: .utf8)
            madeKey = true
        }
        defer { if madeKey { try? FileManager.default.removeItem(atPath: sshKey) } }
        let homeFile = home + "/loop-visibility-\(UUID().uuidString).txt"
        try "HOME-FILE-CONTENT\n".write(toFile: homeFile, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: homeFile) }
        let shell = try await sandbox(for: layout)
        let targets = [
            "main checkout": layout.main + "/.env", "ssh key": sshKey, "home file": homeFile,
            "other repository": layout.other + "/.env", "other README": layout.other + "/README.md",
        ]
        for (what, path) in targets {
            #expect(FileManager.default.isReadableFile(atPath: path), "control: \(path) is readable on the host")
            let outcome = await shell.run("cat '\(path)'")
            #expect(outcome.status != .exited(0), "\(what) was readable inside the sandbox: \(outcome.output)")
            #expect(!outcome.output.contains("SECRET") && !outcome.output.contains("HOME-FILE"), "\(what)")
            #expect(!outcome.output.contains("BEGIN") && !outcome.output.contains("hello"), "\(what)")
        }
        let listing = await shell.run("ls -a '\(layout.main)'")
        #expect(!listing.output.contains(".env") && !listing.output.contains("README.md"), "\(listing.output)")
    }

    @Test("bash, python3 and git status still work in the worktree")
    func toolchainWorks() async throws {
        let layout = try await Layout.make()
        defer { layout.cleanUp() }
        let shell = try await sandbox(for: layout)
        let bash = await shell.run("bash -c 'echo from-bash'")
        #expect(bash.status == .exited(0) && bash.output.contains("from-bash"), "\(bash.output)")
        let python = await shell.run("python3 -c 'print(1)'")
        #expect(python.status == .exited(0) && python.output.contains("1"), "\(python.output)")
        let status = await shell.run("echo new > new.txt && git status --porcelain")
        #expect(status.status == .exited(0) && status.output.contains("new.txt"), "\(status.output)")
    }
}
