import Foundation
import LoopCore
import Testing

@testable import LoopAgent

/// read_file, write_file, edit_file, list_dir and search inside the workspace.
struct FileToolTests {
    @Test("read_file numbers lines, tells the total and honours a line range")
    func readNumbered() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write("a.txt", (1...10).map { "row \($0)" }.joined(separator: "\n") + "\n")
        let box = fixture.toolBox()
        let whole = await box.call("read_file", ["path": .string("a.txt")])
        #expect(whole.text.hasPrefix("a.txt (10 lines):\n1\trow 1\n"))
        #expect(whole.text.hasSuffix("10\trow 10\n"))
        let part = await box.call(
            "read_file", ["path": .string("a.txt"), "start_line": .number(3), "end_line": .string("4")])
        #expect(part.text == "a.txt (10 lines), lines 3-4:\n3\trow 3\n4\trow 4\n[file continues to line 10]\n")
        let past = await box.call("read_file", ["path": .string("a.txt"), "start_line": .number(11)])
        #expect(past.isError && past.text.contains("has 10 lines"))
    }

    @Test("read_file stops at the output limit on a line boundary and says where to continue")
    func readPaged() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write("long.txt", (1...2000).map { "line number \($0)" }.joined(separator: "\n"))
        let result = await fixture.toolBox(limits: ToolLimits(outputBytes: 1024)).call(
            "read_file", ["path": .string("long.txt")])
        #expect(!result.isError && result.text.utf8.count <= 1024)
        #expect(result.text.contains("1\tline number 1\n"))
        let match = try #require(result.text.firstMatch(of: /call read_file with start_line=(\d+)/))
        let next = try #require(Int(match.1))
        #expect(result.text.contains("\(next - 1)\tline number \(next - 1)\n"))
    }

    @Test("read_file refuses binaries, huge files, folders and missing files with advice")
    func readRefusals() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try Data([0x7F, 0x45, 0x4C, 0x46, 0x00, 0x01]).write(to: URL(fileURLWithPath: fixture.root + "/bin"))
        try fixture.write("big.txt", String(repeating: "x", count: 5000))
        try fixture.write("dir/f.txt", "f")
        let box = fixture.toolBox(limits: ToolLimits(readFileBytes: 4096))
        let cases: [(String, String)] = [
            ("bin", "looks binary"), ("big.txt", "over the 4096-byte limit"), ("dir", "use list_dir"),
            ("nope.txt", "does not exist"),
        ]
        for (path, phrase) in cases {
            let result = await box.call("read_file", ["path": .string(path)])
            #expect(result.isError && result.text.contains(phrase), "\(path): \(result.text)")
        }
    }

    @Test("write_file creates parent folders, writes atomically and keeps an existing file's mode")
    func writeCreatesAndKeepsMode() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        let box = fixture.toolBox()
        let created = await box.call("write_file", ["path": .string("a/b/c.txt"), "content": .string("one\ntwo\n")])
        #expect(created.text == "created a/b/c.txt (2 lines, 8 bytes)")
        #expect(try fixture.read("a/b/c.txt") == "one\ntwo\n")
        try fixture.write("run.sh", "echo old\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fixture.root + "/run.sh")
        let replaced = await box.call("write_file", ["path": .string("run.sh"), "content": .string("echo new\n")])
        #expect(replaced.text.hasPrefix("replaced run.sh"))
        let mode = try FileManager.default.attributesOfItem(atPath: fixture.root + "/run.sh")[.posixPermissions] as? Int
        #expect(mode == 0o755)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.root).filter {
            $0.contains(".tmp-")
        }
        #expect(leftovers.isEmpty)
        let onFolder = await box.call("write_file", ["path": .string("a"), "content": .string("x")])
        #expect(onFolder.isError && onFolder.text.contains("is a folder"))
    }

    @Test("write_file warns when a full rewrite contains an 'existing code' placeholder")
    func writeWarnsOnPlaceholder() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write("a.swift", "let a = 1\nlet b = 2\n")
        let result = await fixture.toolBox().call(
            "write_file", ["path": .string("a.swift"), "content": .string("let a = 3\n// ... existing code ...\n")])
        #expect(!result.isError && result.text.contains("warning: the content has a placeholder"))
    }

    @Test("edit_file replaces one exact match and shows the edited lines")
    func editSucceeds() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write("m.swift", "let a = 1\nlet b = 2\nlet c = 3\n")
        let result = await fixture.toolBox().call(
            "edit_file", ["path": .string("m.swift"), "search": .string("let b = 2"), "replace": .string("let b = 20")])
        #expect(!result.isError)
        #expect(result.text.contains("edited m.swift: the replacement is now line 2"))
        #expect(result.text.contains("2\tlet b = 20\n"))
        #expect(try fixture.read("m.swift") == "let a = 1\nlet b = 20\nlet c = 3\n")
    }

    @Test("edit_file applies a search text whose whole lines match once with spaces ignored, in the file's indentation")
    func editForgivesIndentation() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write("m.py", "def f():\n    if x:\n        y()\n    return 1\n")
        let box = fixture.toolBox()
        let result = await box.call(
            "edit_file", ["path": .string("m.py"), "search": .string("if x:\n  y()"), "replace": .string("if x:\n  z()\n  w()")])
        #expect(!result.isError && result.text.hasPrefix("matched with spaces and tabs ignored"))
        #expect(try fixture.read("m.py") == "def f():\n    if x:\n        z()\n        w()\n    return 1\n")
        let twice = await box.call(
            "edit_file", ["path": .string("m.py"), "search": .string("z()"), "replace": .string("q()")])
        #expect(!twice.isError, "an exact match is applied as before")
    }

    @Test("edit_file fails loudly on absent and ambiguous text and leaves the file alone")
    func editFailures() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        let original = "if x {\n    y()\n}\nif x {\n    z()\n}\n"
        try fixture.write("m.swift", original)
        let box = fixture.toolBox()
        let absent = await box.call(
            "edit_file", ["path": .string("m.swift"), "search": .string("x {\n      z()"), "replace": .string("w()")])
        #expect(absent.isError && absent.text.contains("search text not found in m.swift"))
        #expect(absent.text.contains("if whitespace is ignored") && absent.text.contains("5\t    z()"))
        let ambiguous = await box.call(
            "edit_file", ["path": .string("m.swift"), "search": .string("if x {"), "replace": .string("if y {")])
        #expect(
            ambiguous.isError && ambiguous.text.contains("appears 2 times") && ambiguous.text.contains("lines 1, 4"))
        #expect(ambiguous.text.contains("include more surrounding lines"))
        let missing = await box.call(
            "edit_file", ["path": .string("new.swift"), "search": .string("a"), "replace": .string("b")])
        #expect(missing.isError && missing.text.contains("use write_file"))
        #expect(try fixture.read("m.swift") == original)
    }

    @Test("list_dir is sorted, marks folders and caps the entries")
    func listSortedAndCapped() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        for name in ["b.txt", "a.txt", "c.txt", "d.txt"] { try fixture.write(name, "") }
        try fixture.write("sub/x.txt", "")
        let all = await fixture.toolBox().call("list_dir", ["path": .string(".")])
        #expect(all.text == "project root (5 entries):\na.txt\nb.txt\nc.txt\nd.txt\nsub/")
        let capped = await fixture.toolBox(limits: ToolLimits(listEntries: 2)).call("list_dir")
        #expect(capped.text.hasSuffix("a.txt\nb.txt\n[... 3 more entries not shown; list a subfolder or use search]"))
        let file = await fixture.toolBox().call("list_dir", ["path": .string("a.txt")])
        #expect(file.isError && file.text.contains("use read_file"))
    }

    @Test("search reports file:line: text in sorted order, skips binaries and caps hits")
    func searchFindsAndCaps() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write("src/b.swift", "let x = 1\n// TODO: more\n")
        try fixture.write("src/a.swift", "// TODO: first\n")
        try Data("TODO\0binary".utf8).write(to: URL(fileURLWithPath: fixture.root + "/src/blob"))
        let box = fixture.toolBox()
        let result = await box.call("search", ["pattern": .string("TODO|FIXME")])
        #expect(
            result.text
                == "2 matches in 2 files for /TODO|FIXME/ in the project:\nsrc/a.swift:1: // TODO: first\nsrc/b.swift:2: // TODO: more\n[skipped 1 binary files]"
        )
        let scoped = await box.call("search", ["pattern": .string("let"), "path": .string("src/b.swift")])
        #expect(scoped.text.contains("src/b.swift:1: let x = 1"))
        let capped = await fixture.toolBox(limits: ToolLimits(searchHits: 1)).call(
            "search", ["pattern": .string("TODO")])
        #expect(capped.text.contains("[stopped after 1 matches"))
        let invalid = await box.call("search", ["pattern": .string("func (")])
        #expect(invalid.isError && invalid.text.contains("invalid regex"))
    }
}
