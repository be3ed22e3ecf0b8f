import Foundation
import LoopCore
import LoopTestSupport

/// A model server for the built-in agent (`loop agent`, run by `loop run` as the `openai` or
/// `ollama` backend): a real HTTP server on 127.0.0.1 that speaks OpenAI SSE or Ollama NDJSON
/// the way llama.cpp's server and Ollama do, plays the worker and the reviewer, and injects
/// faults into chosen chat requests.
///
/// The worker's reply to a chat is the next of `workerActions` (one per assistant turn already
/// in the conversation; the last repeats), as a JSON-mode action; the reviewer's is an approval.
/// A chat is the reviewer's when its response schema asks for a `decision` (the full review,
/// answered with an approval) or an `answer` (the yes/no review, answered "yes").
final class FakeModel: Sendable {
    enum Wire: String, Sendable, CaseIterable {
        case openAI = "openai"
        case ollama

        /// The path chat requests go to.
        var chatPath: String { self == .openAI ? "/v1/chat/completions" : "/api/chat" }

        /// The environment that points the backend at `port`.
        func environment(port: UInt16) -> [String: String] {
            self == .openAI ? ["OPENAI_BASE_URL": "http://127.0.0.1:\(port)/v1"] : ["OLLAMA_HOST": "http://127.0.0.1:\(port)"]
        }

        /// Appends this backend to `.loop/config.yaml`: the fake model, JSON tool mode and `args`.
        /// Unguided: the scripted actions must reach the tools in any order (`ActionMenu` is
        /// tested in LoopAgentTests).
        func configure(_ box: TestRepo, args: [String] = []) throws {
            var text = try box.read(".loop/config.yaml")
            if !text.hasSuffix("\n") { text += "\n" }
            text += "  \(rawValue):\n    model: \(FakeModel.model)\n"
            let all = ["--tool-mode", "json", "--unguided-actions", "--no-edit-checks"] + args
            text += "    args: [\(all.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
            try box.write(".loop/config.yaml", text)
        }

        /// `loop run` arguments that use this backend for both roles.
        var runArguments: [String] {
            [
                "run", "--auto-dispatch", "--worker-backend", rawValue, "--reviewer-backend", rawValue,
                "--dispatch-retry-base-sec", "1", "--artifact-timeout", "2", "--max-rounds", "2",
            ]
        }
    }

    /// What the server does to one chat request instead of answering it well.
    enum Fault: String, Sendable {
        /// HTTP 500 with an error body.
        case serverError = "HTTP 500"
        /// HTTP 429 with `Retry-After: 2`.
        case rateLimited = "HTTP 429, Retry-After: 2"
        /// Half an answer, then a TCP reset.
        case disconnect = "disconnect mid-stream"
        /// HTTP 200 with a stream that is not NDJSON/SSE JSON.
        case garbage = "invalid NDJSON/SSE"
        /// Reads the request and never answers.
        case silent = "never answers"
        /// Resets the connection and stops listening (the server process died).
        case die = "server dies"
    }

    /// One worker action: a tool and its (string) arguments.
    struct Action: Sendable {
        var tool: String
        var args: [String: String]

        init(_ tool: String, _ args: [String: String] = [:]) {
            self.tool = tool
            self.args = args
        }

        static let writeWork = Action("write_file", ["path": "work.txt", "content": "done by the built-in agent\n"])
        static func finish(_ summary: String = "work.txt written") -> Action { Action("finish", ["summary": summary]) }
    }

    /// A chat request as the server saw it.
    struct Chat: Sendable {
        var role: String
        var fault: Fault?
        var at: ContinuousClock.Instant
        var body: Data
    }

    static let model = "fake-coder"

    let wire: Wire
    let port: UInt16
    private let server: ScriptedHTTPServer
    private let script: Locked<Script>

    private struct Script: Sendable {
        var faults: [Fault]
        var faultsApplyTo: String?
        var repeatsFault: Bool
        var workerActions: [Action]
        var chats: [Chat] = []
    }

    /// - Parameters:
    ///   - faults: applied in order to the chat requests (of `role` only, when given), one each;
    ///     with `repeating`, the last fault stays for every later one until `heal()`.
    ///   - port: 0 for a new port; a former server's port to bring it back there.
    init(
        _ wire: Wire, port: UInt16 = 0, faults: [Fault] = [], role: String? = nil, repeating: Bool = false,
        workerActions: [Action] = [.writeWork, .finish()]
    ) throws {
        self.wire = wire
        let script = Locked(
            Script(faults: faults, faultsApplyTo: role, repeatsFault: repeating, workerActions: workerActions))
        self.script = script
        let started = Locked<ScriptedHTTPServer?>(nil)
        server = try ScriptedHTTPServer(port: port) { request in
            Self.answer(request, wire: wire, script: script, stop: { started.value?.stop() })
        }
        started.set(server)
        self.port = server.port
    }

    deinit { server.stop() }

    /// The environment `loop run` needs to reach this server.
    var environment: [String: String] { wire.environment(port: port) }

    /// The chat requests so far, oldest first.
    var chats: [Chat] { script.withLock { $0.chats } }

    /// Every request body the server received, as text (to look for leaked secrets).
    var allRequestText: String { server.requests.map { String(decoding: $0.body, as: UTF8.self) }.joined(separator: "\n") }

    /// Drops the faults still queued: from now on every chat is answered well.
    func heal() { script.withLock { $0.faults = [] } }

    /// Stops listening (connections are then refused).
    func stop() { server.stop() }

    /// `loop run` arguments that use this server for both roles.
    var runArguments: [String] { wire.runArguments }

    // MARK: - Answers

    private static func answer(
        _ request: ScriptedHTTPServer.Request, wire: Wire, script: Locked<Script>, stop: @Sendable () -> Void
    ) -> ScriptedHTTPServer.Response? {
        let path = String(request.path.prefix { $0 != "?" })
        switch (wire, path) {
        case (.openAI, "/v1/models"):
            return .json(json(["object": "list", "data": [["id": model, "object": "model"]]]))
        case (.openAI, "/props"):
            return .json(json(["default_generation_settings": ["n_ctx": 32768]]))
        case (.ollama, "/api/tags"):
            return .json(json(["models": [["name": model, "model": model]]]))
        case (.ollama, "/api/show"):
            return .json(json(["model_info": ["llama.context_length": 32768], "capabilities": ["completion"]]))
        case (_, wire.chatPath):
            break
        default:
            return nil
        }
        let schema = request.object[wire == .openAI ? "response_format" : "format"]
        let schemaText = schema.map { "\($0)" } ?? ""
        // The built-in reviewer's full review asks for a `decision`, its yes/no review for an `answer`.
        let role = schemaText.contains("decision") || schemaText.contains("answer") ? "reviewer" : "worker"
        let turn = (request.object["messages"] as? [[String: Any]] ?? []).filter { $0["role"] as? String == "assistant" }.count
        let (fault, action) = script.withLock { script -> (Fault?, Action) in
            var fault: Fault?
            if !script.faults.isEmpty, script.faultsApplyTo == nil || script.faultsApplyTo == role {
                fault = script.faults[0]
                if script.faults.count > 1 || !script.repeatsFault { script.faults.removeFirst() }
            }
            script.chats.append(Chat(role: role, fault: fault, at: .now, body: request.body))
            let actions = script.workerActions
            return (fault, actions[min(turn, actions.count - 1)])
        }
        let reply =
            role == "reviewer" && !schemaText.contains("decision")
            ? json(["answer": "yes"])
            : role == "reviewer"
            ? json([
                "decision": "approve", "blocking_issues": [], "non_blocking_suggestions": [],
                "summary": "work.txt is there",
            ])
            : json(["tool": action.tool, "args": action.args])
        guard let fault else { return stream(reply, wire: wire) }
        switch fault {
        case .serverError:
            return .json(json(["error": ["message": "CUDA out of memory (scripted)", "type": "server_error"]]), status: 500)
        case .rateLimited:
            return .json(
                json(["error": ["message": "too many requests (scripted)", "type": "rate_limit"]]), status: 429,
                headers: [("Retry-After", "2")])
        case .disconnect:
            var response = stream(reply, wire: wire)
            response.steps = Array(response.steps.prefix(2)) + [ScriptedHTTPServer.Step.drop]
            return response
        case .garbage:
            let lines = wire == .openAI ? ["data: {\"choices\": [{\"delta\": {\"content\": \n\n", "data: <html>oops\n\n"] : ["{\"message\": {\"content\": \n", "<html>oops</html>\n"]
            return ScriptedHTTPServer.Response(
                path: nil, status: 200,
                headers: [("Content-Type", wire == .openAI ? "text/event-stream" : "application/x-ndjson")],
                steps: lines.map { .send(Data($0.utf8)) }, framing: .chunked)
        case .silent:
            return .silent()
        case .die:
            stop()
            return ScriptedHTTPServer.Response(path: nil, status: 200, headers: [], steps: [.drop], framing: .chunked)
        }
    }

    /// `content` streamed as the server streams it, split in two chunks, with token counts.
    private static func stream(_ content: String, wire: Wire) -> ScriptedHTTPServer.Response {
        let cut = content.index(content.startIndex, offsetBy: content.count / 2)
        let parts = [String(content[..<cut]), String(content[cut...])]
        switch wire {
        case .openAI:
            func chunk(_ delta: [String: Any], finish: String? = nil) -> String {
                json([
                    "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_763_900_000, "model": model,
                    "choices": [["index": 0, "delta": delta, "finish_reason": finish.map { $0 as Any } ?? NSNull()]],
                ])
            }
            let usage = json([
                "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_763_900_000, "model": model,
                "choices": [], "usage": ["prompt_tokens": 40, "completion_tokens": 12, "total_tokens": 52],
            ])
            return .sse(
                [chunk(["role": "assistant", "content": ""])] + parts.map { chunk(["content": $0]) }
                    + [chunk([:], finish: "stop"), usage])
        case .ollama:
            func line(_ text: String, done: Bool) -> String {
                var object: [String: Any] = [
                    "model": model, "created_at": "2026-11-23T18:00:00Z",
                    "message": ["role": "assistant", "content": text], "done": done,
                ]
                if done {
                    object["done_reason"] = "stop"
                    object["prompt_eval_count"] = 40
                    object["eval_count"] = 12
                }
                return json(object)
            }
            return .ndjson(parts.map { line($0, done: false) } + [line("", done: true)])
        }
    }

    static func json(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
