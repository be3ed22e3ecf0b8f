import Foundation
import LoopCore
import Testing

/// PATH lookup as `execvp` and `command -v` do it, always answering an absolute path.
@Suite struct ExecutableLocatorTests {
    /// A folder holding an executable `tool` and a non-executable `notes`.
    private func folderWithTool() throws -> (TempDir, String) {
        let dir = try TempDir()
        let tool = try dir.write("tool", "#!/bin/sh\nexit 0\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tool)
        _ = try dir.write("notes", "not a program\n")
        return (dir, tool)
    }

    @Test("an empty PATH entry (leading, trailing or ::) is the base folder, as POSIX says")
    func emptyEntryIsCurrentFolder() throws {
        let (dir, tool) = try folderWithTool()
        for path in [":/nonexistent", "/nonexistent:", "/nonexistent::/also-missing"] {
            #expect(ExecutableLocator.locate("tool", searchPath: path, base: dir.path) == tool, "PATH=\(path)")
        }
        #expect(ExecutableLocator.locate("tool", searchPath: "/nonexistent", base: dir.path) == nil)
    }

    @Test("relative entries start from the base folder and the answer is absolute")
    func relativeEntries() throws {
        let (dir, tool) = try folderWithTool()
        let parent = (dir.path as NSString).deletingLastPathComponent
        let child = (dir.path as NSString).lastPathComponent
        #expect(ExecutableLocator.locate("tool", searchPath: ".", base: dir.path) == tool)
        #expect(ExecutableLocator.locate("tool", searchPath: child, base: parent) == tool)
    }

    @Test("the first entry that has the program wins; folders and non-executables are skipped")
    func firstExecutableWins() throws {
        let (dir, tool) = try folderWithTool()
        let other = try TempDir()
        _ = try other.write("tool", "plain file, not executable\n")
        #expect(ExecutableLocator.locate("tool", searchPath: "\(other.path):\(dir.path)") == tool)
        #expect(ExecutableLocator.locate("notes", searchPath: dir.path) == nil)
        #expect(ExecutableLocator.locate(dir.path) == nil)
        #expect(ExecutableLocator.locate("") == nil)
    }

    @Test("a path is checked, resolved from the base folder and standardized")
    func paths() throws {
        let (dir, tool) = try folderWithTool()
        #expect(ExecutableLocator.locate(tool) == tool)
        #expect(ExecutableLocator.locate("./tool", base: dir.path) == tool)
        #expect(ExecutableLocator.locate("./missing", base: dir.path) == nil)
    }
}
