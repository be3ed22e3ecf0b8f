import Foundation
import LoopCore
import Testing

@testable import LoopAgent

/// Path confinement: every way out of the workspace is refused with a message the model can act on.
struct WorkspaceTests {
    @Test("plain relative paths resolve inside the root, missing ones are allowed but marked")
    func resolvesInside() throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write("src/a.swift", "x")
        let existing = try fixture.workspace.resolve("./src//a.swift")
        #expect(existing == .init(absolute: fixture.root + "/src/a.swift", relative: "src/a.swift", exists: true))
        let missing = try fixture.workspace.resolve("src/new/b.swift")
        #expect(missing.absolute == fixture.root + "/src/new/b.swift" && !missing.exists)
        #expect(try fixture.workspace.resolve("").relative == ".")
        #expect(try fixture.workspace.resolve("src/../src/a.swift").relative == "src/a.swift")
    }

    @Test(
        "escapes are refused with a one-line message",
        arguments: [
            "..", "../outside/x", "src/../../outside", "/etc/passwd", "/proc/self/root/etc/passwd", "~/.ssh/id_rsa",
            "~",
        ])
    func refusesEscapes(path: String) throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        let error = #expect(throws: WorkspaceError.self) { try fixture.workspace.resolve(path) }
        let message = try #require(error?.errorDescription)
        #expect(message.contains("outside the workspace") || message.contains("absolute"))
        #expect(!message.contains("\n"))
    }

    @Test("an absolute path inside the root is refused but the relative form is suggested")
    func suggestsRelativeForm() throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write("src/a.swift", "x")
        let error = #expect(throws: WorkspaceError.self) {
            try fixture.workspace.resolve(fixture.root + "/src/a.swift")
        }
        #expect(error == .absolute(path: fixture.root + "/src/a.swift", suggestion: "src/a.swift"))
        #expect(error?.errorDescription?.contains("use 'src/a.swift'") == true)
    }

    @Test("NUL bytes are refused")
    func refusesNul() throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        #expect(throws: WorkspaceError.self) { try fixture.workspace.resolve("a\u{0}b") }
    }

    @Test("symlinks that lead outside are refused: final file, folder on the way, and via /proc/self/root")
    func refusesSymlinkEscapes() throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write("secret.txt", "s", under: fixture.outside)
        try fixture.symlink("file-link", to: fixture.outside + "/secret.txt")
        try fixture.symlink("dir-link", to: fixture.outside)
        try fixture.symlink("relative-link", to: "../outside")
        try fixture.symlink("proc-link", to: "/proc/self/root/etc")
        for path in ["file-link", "dir-link/secret.txt", "dir-link/new.txt", "relative-link", "proc-link/hostname"] {
            #expect(throws: WorkspaceError.outside(path: path)) { try fixture.workspace.resolve(path) }
        }
    }

    @Test("symlinks that stay inside are followed to their real path")
    func followsInsideSymlinks() throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write("real/a.txt", "a")
        try fixture.symlink("alias", to: "real")
        let resolved = try fixture.workspace.resolve("alias/a.txt")
        #expect(resolved.absolute == fixture.root + "/real/a.txt" && resolved.exists)
    }

    @Test("dangling symlinks are refused instead of written through")
    func refusesDanglingSymlink() throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.symlink("dangling", to: fixture.outside + "/does-not-exist")
        #expect(throws: WorkspaceError.brokenSymlink(path: "dangling")) { try fixture.workspace.resolve("dangling") }
    }

    @Test(".git is off limits: the folder, the worktree file, nested ones and symlinks to it")
    func refusesGit() throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write(".git/config", "[core]")
        try fixture.write("vendor/lib/.git", "gitdir: elsewhere")
        try fixture.symlink("git-alias", to: ".git")
        for path in [".git", ".git/config", "./.git/HEAD", "vendor/lib/.git", "git-alias", "git-alias/config"] {
            let error = #expect(throws: WorkspaceError.self) { try fixture.workspace.resolve(path) }
            #expect(error == .gitInternals(path: path))
        }
    }

    @Test("a path through a file is refused as not a folder")
    func refusesPathThroughFile() throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write("a.txt", "a")
        #expect(throws: WorkspaceError.notADirectory(path: "a.txt/b", component: "a.txt")) {
            try fixture.workspace.resolve("a.txt/b")
        }
    }

    @Test("a missing root is a setup error")
    func missingRoot() {
        #expect(throws: WorkspaceError.badRoot("/nonexistent/loop-root")) {
            try Workspace(root: "/nonexistent/loop-root")
        }
    }
}
