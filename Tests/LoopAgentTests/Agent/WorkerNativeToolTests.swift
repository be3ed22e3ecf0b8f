import Foundation
import LoopCore
import Testing
import LoopTestSupport

@testable import LoopAgent

/// The worker with native tool calls: the server answers with `tool_calls` (OpenAI: fragments
/// across SSE chunks; Ollama: one complete object) and the agent answers with `tool` messages.
@Suite("Worker: native tool calls", .serialized, .timeLimit(.minutes(2)), .enabled(if: BubblewrapRequirement.shouldRun))
struct WorkerNativeToolTests {
    @Test("the agent sends tools, runs the call and sends back a tool message for it", arguments: ModelWire.allCases)
    func toolCallRoundTrip(wire: ModelWire) async throws {
        let harness = try await WorkerHarness(wire)
        defer { harness.cleanUp() }
        harness.enqueue(
            wire.toolCall(id: "call_read_1", "read_file", ["path": "greeting.txt"]),
            wire.toolCall(
                id: "call_edit_2", "edit_file", ["path": "greeting.txt", "search": "world", "replace": "loop"]),
            wire.toolCall(id: "call_done_3", "finish", ["summary": "greeting changed"]))

        let outcome = try await harness.run(mode: .native)

        #expect(outcome.finished && outcome.summary == "greeting changed" && outcome.steps == 3)
        #expect(outcome.filesChanged == ["greeting.txt"])
        #expect(try harness.workspace.read("greeting.txt") == "hello loop\n")
        let chats = harness.chats
        try #require(chats.count == 3)
        for request in chats {
            let tools = try #require(request.object["tools"] as? [[String: Any]])
            let names = tools.compactMap { ($0["function"] as? [String: Any])?["name"] as? String }
            #expect(names == ToolBox.names)
            #expect(request.object["response_format"] == nil && request.object["format"] == nil)
            if wire == .openAI { #expect(request.object["tool_choice"] as? String == "auto") }
        }
        #expect(chats[0].messages.map { $0["role"] as? String } == ["system", "user"])

        let second = chats[1].messages
        #expect(second.suffix(3).map { $0["role"] as? String } == ["assistant", "tool", "user"])
        let assistant = second[second.count - 3]
        let call = try #require((assistant["tool_calls"] as? [[String: Any]])?.first)
        let function = try #require(call["function"] as? [String: Any])
        #expect(function["name"] as? String == "read_file")
        let tool = second[second.count - 2]
        #expect((tool["content"] as? String)?.contains("1\thello world") == true)
        switch wire {
        case .openAI:
            #expect(call["id"] as? String == "call_read_1")
            #expect(
                function["arguments"] as? String == #"{"path":"greeting.txt"}"#,
                "fragments joined and re-sent as a JSON string")
            #expect(tool["tool_call_id"] as? String == "call_read_1")
        case .ollama:
            #expect((function["arguments"] as? [String: Any])?["path"] as? String == "greeting.txt")
            #expect(tool["tool_name"] as? String == "read_file")
        }
        let reminder = try #require(second.last?["content"] as? String)
        #expect(
            reminder.hasPrefix("[status] step 1 of 30 done") && reminder.contains("GOAL: The greeting says hello loop.")
        )

        let third = chats[2].messages
        let secondTool = third[third.count - 2]
        #expect((secondTool["content"] as? String)?.hasPrefix("edited greeting.txt") == true)
        if wire == .openAI { #expect(secondTool["tool_call_id"] as? String == "call_edit_2") }
        for index in 1..<chats.count {
            let previous = try #require(chats[index - 1].bodyThroughMessages)
            #expect(chats[index].body.starts(with: previous + Data(",".utf8)), "native history is append-only too")
        }
    }

    @Test("a native call to an unknown tool is malformed and corrected, not executed")
    func unknownNativeTool() async throws {
        let harness = try await WorkerHarness(.openAI)
        defer { harness.cleanUp() }
        harness.enqueue(
            ModelWire.openAI.toolCall(id: "call_x", "delete_repo", ["path": "."]),
            ModelWire.openAI.toolCall(id: "call_y", "finish", ["summary": "done"]))

        let outcome = try await harness.run(mode: .native)

        #expect(outcome.finished && outcome.steps == 2)
        let last = try #require(harness.chats.last?.messages.last?["content"] as? String)
        #expect(last.hasPrefix("That reply was not a valid action: unknown tool \"delete_repo\""))
        #expect(FileManager.default.fileExists(atPath: harness.workspace.root + "/greeting.txt"))
    }
}
