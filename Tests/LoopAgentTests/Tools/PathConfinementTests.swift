import Foundation
import LoopCore
import Testing

@testable import LoopAgent

/// Every file tool refuses every way out of the workspace, and nothing outside is read or changed.
struct PathConfinementTests {
    /// Paths that must be refused by every tool (the fixture plants the symlinks and `.git`).
    static let escapes = [
        "..", "../outside/secret.txt", "/etc/passwd", "/proc/self/root/etc/passwd", "file-link", "dir-link/secret.txt",
        "dir-link", "proc-link/passwd", ".git", ".git/config", "git-alias/config",
    ]

    private func plant() throws -> ToolSandboxFixture {
        let fixture = try ToolSandboxFixture()
        try fixture.write("secret.txt", "TOP SECRET\n", under: fixture.outside)
        try fixture.write(".git/config", "[core] SECRET\n")
        try fixture.write("listing-marker-outside", "", under: fixture.outside)
        try fixture.write(".git/listing-marker-git", "")
        try fixture.symlink("file-link", to: fixture.outside + "/secret.txt")
        try fixture.symlink("dir-link", to: fixture.outside)
        try fixture.symlink("proc-link", to: "/proc/self/root/etc")
        try fixture.symlink("git-alias", to: ".git")
        return fixture
    }

    @Test("read_file refuses escapes", arguments: escapes)
    func readRefuses(path: String) async throws {
        let fixture = try plant()
        defer { fixture.cleanUp() }
        let result = await fixture.toolBox().call("read_file", ["path": .string(path)])
        #expect(result.isError)
        #expect(!result.text.contains("SECRET") && !result.text.contains("root:"))
    }

    @Test("write_file refuses escapes and leaves the outside untouched", arguments: escapes + ["dir-link/new.txt"])
    func writeRefuses(path: String) async throws {
        let fixture = try plant()
        defer { fixture.cleanUp() }
        let result = await fixture.toolBox().call("write_file", ["path": .string(path), "content": .string("pwned")])
        #expect(result.isError)
        #expect(try String(contentsOfFile: fixture.outside + "/secret.txt", encoding: .utf8) == "TOP SECRET\n")
        #expect(!FileManager.default.fileExists(atPath: fixture.outside + "/new.txt"))
        #expect(try fixture.read(".git/config") == "[core] SECRET\n")
    }

    @Test("edit_file refuses escapes", arguments: escapes)
    func editRefuses(path: String) async throws {
        let fixture = try plant()
        defer { fixture.cleanUp() }
        let result = await fixture.toolBox().call(
            "edit_file", ["path": .string(path), "search": .string("SECRET"), "replace": .string("x")])
        #expect(result.isError)
        #expect(try String(contentsOfFile: fixture.outside + "/secret.txt", encoding: .utf8) == "TOP SECRET\n")
    }

    @Test("list_dir refuses escapes", arguments: escapes)
    func listRefuses(path: String) async throws {
        let fixture = try plant()
        defer { fixture.cleanUp() }
        let result = await fixture.toolBox().call("list_dir", ["path": .string(path)])
        #expect(result.isError)
        #expect(!result.text.contains("listing-marker"))
    }

    @Test("search refuses escapes", arguments: escapes)
    func searchRefuses(path: String) async throws {
        let fixture = try plant()
        defer { fixture.cleanUp() }
        let result = await fixture.toolBox().call("search", ["pattern": .string("SECRET|root"), "path": .string(path)])
        #expect(result.isError)
        #expect(!result.text.contains("SECRET"))
    }

    @Test("a search of the whole project does not follow symlinks out or look into .git")
    func searchWalkStaysInside() async throws {
        let fixture = try plant()
        defer { fixture.cleanUp() }
        try fixture.write("src/a.txt", "no secrets here\n")
        let result = await fixture.toolBox().call("search", ["pattern": .string("SECRET")])
        #expect(!result.isError)
        #expect(result.text.hasPrefix("no matches"))
    }

    @Test("list_dir of the root hides .git and marks symlinks that lead outside")
    func listMarksOutsideLinks() async throws {
        let fixture = try plant()
        defer { fixture.cleanUp() }
        let result = await fixture.toolBox().call("list_dir")
        #expect(!result.isError)
        #expect(!result.text.contains(".git\n") && !result.text.contains(".git/"))
        #expect(result.text.contains("dir-link (symlink outside the workspace)"))
        #expect(result.text.contains("git-alias (symlink into .git)"))
    }
}
