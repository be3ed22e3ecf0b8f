import Foundation
import LoopCore
import Testing

@testable import LoopBackends

/// The registry's lists, which each backend file joins with one line.
@Suite struct BackendListTests {
    @Test("every built-in has a unique name, an install command and a registry entry of its own")
    func builtinsAreComplete() throws {
        let names = BackendRegistry.builtins.map(\.name)
        #expect(names == ["codex", "claude", "opencode", "gemini", "aider", "mini"])
        #expect(Set(names).count == names.count)
        let registry = BackendRegistry(configured: [:])
        for builtin in BackendRegistry.builtins {
            #expect(!builtin.installCommand.isEmpty, "\(builtin.name)")
            let backend = try #require(registry.backend(named: builtin.name))
            #expect(backend.kind == .builtin(builtin))
            #expect(backend.parser == builtin.parser)
        }
        #expect(registry.names == (names + ["ollama", "openai"]).sorted())
    }

    @Test("parser: names every format once, text first and loop-agent last, each making its own parser")
    func parserNames() throws {
        #expect(ParserKind.names == "text, codex, claude, opencode, gemini, aider, loop-agent")
        for builtin in BackendRegistry.builtins { #expect(ParserKind.allCases.contains(builtin.parser)) }
        let claude = try #require(ParserKind.named("Claude"))
        #expect(claude.makeParser() is ClaudeParser)
        #expect(ParserKind.named("xml") == nil)
    }
}
