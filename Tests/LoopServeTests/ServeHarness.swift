import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// A running `loop-serve` (the built executable beside `loop`) on a free port, for one test.
///
/// Started through the project's `ProcessRunner` (its own process group, every other descriptor
/// closed), so it never holds a `loop run`'s output pipes open; released, it is killed.
final class ServeProcess: Sendable {
    /// `http://127.0.0.1:<port>/`, as the server printed it.
    let baseURL: String
    let output: Locked<String>
    private let task: Task<Void, Never>

    /// The built `loop-serve`, beside the `loop` the harness runs.
    static var executable: String {
        (LoopBinary.path as NSString).deletingLastPathComponent + "/loop-serve"
    }

    /// Starts `loop-serve --port 0 <arguments>` in `directory` and waits for its address line.
    init(in directory: String, arguments: [String] = []) async throws {
        let output = Locked("")
        let inherited = ProcessInfo.processInfo.environment.keys.filter { $0.hasPrefix("LOOP_") }
        let spec = ProcessSpec(
            arguments: [Self.executable, "--port", "0"] + arguments, workingDirectory: directory,
            environment: ["LOOP_EXECUTABLE": LoopBinary.path], removedEnvironment: Array(inherited),
            timeout: .seconds(170), killGrace: .seconds(1))
        task = Task {
            _ = try? await ProcessRunner.run(spec) { _, line in output.withLock { $0 += line + "\n" } }
        }
        self.output = output
        try await eventually("loop-serve printed its address", timeout: .seconds(20)) {
            output.value.contains("http://")
        }
        let text = output.value
        guard let start = text.range(of: "http://"),
            let end = text[start.lowerBound...].firstIndex(where: { $0 == " " || $0 == "\n" || $0 == ";" })
        else {
            throw ServeTestError("no address in: \(text)")
        }
        baseURL = String(text[start.lowerBound..<end])
    }

    deinit { task.cancel() }

    /// `GET <path>` with curl: the status and the body.
    func get(_ path: String, headers: [String] = []) async throws -> (status: Int, body: String) {
        try await curl(baseURL + path.drop(while: { $0 == "/" }), headers: headers)
    }

    /// The body decoded as JSON, after checking the status is 200.
    func json(_ path: String) async throws -> JSONValue {
        let (status, body) = try await get(path)
        guard status == 200 else { throw ServeTestError("GET \(path): \(status) \(body)") }
        return try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
    }
}

/// Runs curl for one request (never through a proxy), returns the status code and body.
func curl(_ url: String, method: String = "GET", headers: [String] = [], maxTime: Int = 20) async throws -> (
    status: Int, body: String
) {
    var arguments = ["curl", "-sS", "--noproxy", "*", "--path-as-is", "--max-time", String(maxTime), "-X", method]
    for header in headers { arguments += ["-H", header] }
    arguments += ["-w", "\n%{http_code}", url]
    let result = try await ProcessRunner.capture(arguments, in: NSTemporaryDirectory())
    var lines = result.stdout.components(separatedBy: "\n")
    let status = Int(lines.popLast() ?? "") ?? 0
    return (status, lines.joined(separator: "\n"))
}

/// Reads an event stream with `curl -N` in the background (through `ProcessRunner`, as
/// `ServeProcess`), collecting its lines as they arrive.
final class StreamReader: Sendable {
    private let lines = Locked<[String]>([])
    private let task: Task<Void, Never>

    init(_ url: String, headers: [String] = []) {
        var arguments = ["curl", "-sN", "--noproxy", "*", "--max-time", "150"]
        for header in headers { arguments += ["-H", header] }
        let spec = ProcessSpec(
            arguments: arguments + [url], workingDirectory: NSTemporaryDirectory(), timeout: .seconds(160),
            killGrace: .seconds(1))
        let lines = self.lines
        task = Task {
            _ = try? await ProcessRunner.run(spec) { stream, line in
                if stream == .stdout { lines.withLock { $0.append(line) } }
            }
        }
    }

    deinit { task.cancel() }

    /// Ends the stream (kills curl) and waits for it.
    func stop() async {
        task.cancel()
        await task.value
    }

    /// The events received so far: (id, data) in arrival order.
    var events: [(id: Int, data: String)] {
        var events: [(id: Int, data: String)] = []
        var id: Int?
        for line in lines.value {
            if line.hasPrefix("id: ") { id = Int(line.dropFirst(4)) }
            if line.hasPrefix("data: "), let current = id {
                events.append((current, String(line.dropFirst(6))))
                id = nil
            }
        }
        return events
    }
}

struct ServeTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The lines of `events.jsonl`, in order.
func eventLines(_ repo: TestRepo) throws -> [String] {
    try repo.read(".loop/events.jsonl").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        .filter { !$0.isEmpty }
}
