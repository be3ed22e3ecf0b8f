import Foundation
import LoopCore
import Testing

@testable import LoopAgent

/// Argument validation, dispatch, `finish` and the output cap of the tool box.
struct ToolBoxTests {
    @Test("every spec has a unique name, a one-line description and an object schema with required")
    func specsAreWellFormed() {
        let specs = ToolBox.specs
        #expect(
            Set(specs.map(\.name)) == ["list_dir", "read_file", "search", "write_file", "edit_file", "run", "finish"])
        for spec in specs {
            #expect(!spec.description.contains("\n") && spec.description.count < 140, "\(spec.name)")
            #expect(spec.parameters["type"] == .string("object"))
            let properties = spec.parameters["properties"]?.objectValue ?? [:]
            for name in spec.parameters["required"]?.arrayValue ?? [] {
                #expect(properties[name.stringValue ?? ""] != nil, "\(spec.name) requires an undeclared \(name)")
            }
        }
    }

    @Test("a write of the same content and an edit whose search equals its replace are errors (nothing changes)")
    func noOpChangesAreErrors() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        let box = fixture.toolBox()
        let first = await box.call("write_file", ["path": .string("same.txt"), "content": .string("one\n")])
        #expect(!first.isError)
        let again = await box.call("write_file", ["path": .string("same.txt"), "content": .string("one\n")])
        #expect(again.isError && again.text.contains("already has exactly this content"))
        let edit = await box.call("edit_file", ["path": .string("same.txt"), "search": .string("one"), "replace": .string("one")])
        #expect(edit.isError && edit.text.contains("search and replace are the same text"))
        let changed = await box.call("write_file", ["path": .string("same.txt"), "content": .string("two\n")])
        #expect(!changed.isError)
    }

    @Test("missing and mistyped arguments become error results naming the argument")
    func validatesArguments() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        let box = fixture.toolBox()
        let missing = await box.call("read_file")
        #expect(missing == .error("missing required argument 'path' (a string) for read_file"))
        let wrongType = await box.call("write_file", ["path": .number(3), "content": .string("x")])
        #expect(wrongType == .error("argument 'path' for write_file must be a string, got a number"))
        let badLine = await box.call("read_file", ["path": .string("a"), "start_line": .string("ten")])
        #expect(badLine.isError && badLine.text.contains("'start_line'"))
        let notObject = await box.execute(ToolCall(id: "1", name: "list_dir", arguments: .array([])))
        #expect(notObject == .error("arguments for list_dir must be a JSON object, got an array"))
        let unknown = await box.call("delete_everything")
        #expect(unknown.isError && unknown.text.contains("unknown tool 'delete_everything'; available tools: read_file, edit_file"))
    }

    @Test("arguments sent as a JSON string are decoded, and null counts as absent")
    func tolerantArguments() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write("a.txt", "hello\n")
        let box = fixture.toolBox()
        let encoded = await box.execute(ToolCall(id: "1", name: "read_file", arguments: .string(#"{"path":"a.txt"}"#)))
        #expect(encoded.text == "a.txt (1 lines):\n1\thello\n")
        let nullPath = await box.call("list_dir", ["path": .null])
        #expect(!nullPath.isError && nullPath.text.contains("a.txt"))
    }

    @Test("finish returns the special result with the summary, uncapped; an empty summary is refused")
    func finish() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        let summary = String(repeating: "did things. ", count: 2000)
        let result = await fixture.toolBox(limits: ToolLimits(outputBytes: 512)).call(
            "finish", ["summary": .string(summary)])
        #expect(result.isFinish && result.finishSummary == summary && !result.isError)
        let empty = await fixture.toolBox().call("finish", ["summary": .string("  ")])
        #expect(empty.isError && !empty.isFinish)
    }

    @Test("results over the output limit keep head and tail with a notice")
    func capsOutput() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write("many.txt", (1...500).map { "hit \($0)" }.joined(separator: "\n"))
        let result = await fixture.toolBox(limits: ToolLimits(outputBytes: 1024, searchHits: 1000)).call(
            "search", ["pattern": .string("hit")])
        #expect(result.text.utf8.count <= 1024)
        #expect(result.text.contains("many.txt:1: hit 1\n") && result.text.hasSuffix("many.txt:500: hit 500"))
        #expect(result.text.contains("bytes cut; use read_file with line ranges or search ...]"))
    }

    @Test("run without a usable shell is an error that says why")
    func runUnavailable() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        let result = await fixture.toolBox().call("run", ["command": .string("ls")])
        #expect(result == .error("shell commands are unavailable: not in this test"))
    }

    @Test("a command over the argv limit is refused with advice instead of failing to start")
    func runTooLong() async throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        let command = "echo " + String(repeating: "x", count: 70_000)
        let result = await fixture.toolBox().call("run", ["command": .string(command)])
        #expect(result == .error("command is too long; write a script with write_file and run that instead"))
    }
}
