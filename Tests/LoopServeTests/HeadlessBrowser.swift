import Foundation
import LoopCore
import LoopTestSupport

/// A headless Chromium driven through the DevTools protocol: it opens the dashboard, and the test
/// reads the DOM the page's JavaScript rendered (`Runtime.evaluate`) and takes a screenshot.
///
/// `--dump-dom` cannot serve here: it dumps at the load event, before the page has fetched
/// anything, and `--virtual-time-budget` never ends while the event stream is open. The
/// client is a small stdlib-only Python script (python3 is already needed by scripts/test).
final class HeadlessBrowser: Sendable {
    private let task: Task<Void, Never>
    private let output = Locked("")
    private let profile: String
    private let script: String
    let port: Int

    /// Whether browser tests can run here: a `chromium` on PATH, or CI (where its absence must
    /// fail, as `BubblewrapRequirement` does for bubblewrap).
    static let isAvailable: Bool = executable != nil
    static var shouldRun: Bool { isAvailable || BubblewrapRequirement.isCI }

    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/chromium" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()

    /// Starts Chromium on `url` with a fresh profile and waits for its DevTools port.
    init(url: String) async throws {
        guard let chromium = Self.executable else { throw ServeTestError("chromium is not installed (apt-get install chromium)") }
        profile = NSTemporaryDirectory() + "loop-chromium-\(UUID().uuidString)"
        script = profile + "-cdp.py"
        try Data(Self.client.utf8).write(to: URL(fileURLWithPath: script))
        let spec = ProcessSpec(
            arguments: [
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-port=0",
                "--user-data-dir=\(profile)", "--window-size=1400,900", url,
            ], workingDirectory: NSTemporaryDirectory(), timeout: .seconds(170), killGrace: .seconds(1))
        let output = self.output
        task = Task { _ = try? await ProcessRunner.run(spec) { _, line in output.withLock { $0 += line + "\n" } } }
        var found: Int?
        try await eventually("chromium printed its DevTools port", timeout: .seconds(30)) {
            let text = output.value
            if let range = text.range(of: "DevTools listening on ws://127.0.0.1:") {
                found = Int(text[range.upperBound...].prefix { $0.isNumber })
            }
            return found != nil
        }
        port = found ?? 0
    }

    deinit {
        task.cancel()
        try? FileManager.default.removeItem(atPath: profile)
        try? FileManager.default.removeItem(atPath: script)
    }

    /// The JSON value of a JavaScript expression evaluated in the page.
    func evaluate(_ expression: String) async throws -> JSONValue {
        let result = try await ProcessRunner.capture(
            ["python3", script, String(port), "eval", expression], in: NSTemporaryDirectory())
        guard result.exitCode == 0 else { throw ServeTestError("cdp eval failed: \(result.stderr)") }
        return try JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8))
    }

    /// Waits until `expression` evaluates to true in the page.
    func waitUntil(_ what: String, _ expression: String, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last: JSONValue = .null
        while ContinuousClock.now < deadline {
            last = (try? await evaluate(expression)) ?? .null
            if last == .bool(true) { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ServeTestError("the page never showed \(what) (last: \(last))")
    }

    /// Saves a PNG of the page.
    func screenshot(to path: String) async throws {
        let result = try await ProcessRunner.capture(
            ["python3", script, String(port), "screenshot", path], in: NSTemporaryDirectory())
        guard result.exitCode == 0 else { throw ServeTestError("cdp screenshot failed: \(result.stderr)") }
    }

    /// The DevTools client (stdlib Python): `eval EXPRESSION` prints the value as JSON,
    /// `screenshot FILE` saves a PNG.
    static let client = #"""
#!/usr/bin/env python3
"""Minimal Chrome DevTools Protocol client (stdlib only) for the dashboard's browser test.

usage: cdp.py PORT eval EXPRESSION      -> prints the JSON value of the expression in the page
       cdp.py PORT screenshot FILE.png  -> saves a PNG of the page
"""
import base64, json, os, socket, struct, sys, urllib.request

def page_socket(port):
    targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
    page = next(t for t in targets if t.get("type") == "page")
    url = page["webSocketDebuggerUrl"]
    path = url.split(f":{port}", 1)[1]
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            raise SystemExit("devtools closed the connection during the handshake")
        response += chunk
    if b" 101 " not in response.split(b"\r\n", 1)[0]:
        raise SystemExit("devtools refused the websocket: " + response.decode(errors="replace"))
    return sock, response.split(b"\r\n\r\n", 1)[1]

def send(sock, text):
    data = text.encode()
    header = bytes([0x81])
    mask = os.urandom(4)
    if len(data) < 126:
        header += bytes([0x80 | len(data)])
    elif len(data) < 65536:
        header += bytes([0x80 | 126]) + struct.pack(">H", len(data))
    else:
        header += bytes([0x80 | 127]) + struct.pack(">Q", len(data))
    sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

def receive(sock, buffer):
    def need(n):
        nonlocal buffer
        while len(buffer) < n:
            chunk = sock.recv(65536)
            if not chunk:
                raise SystemExit("devtools closed the connection")
            buffer += chunk
    message = b""
    while True:
        need(2)
        fin, length = buffer[0] & 0x80, buffer[1] & 0x7F
        offset = 2
        if length == 126:
            need(4); length = struct.unpack(">H", buffer[2:4])[0]; offset = 4
        elif length == 127:
            need(10); length = struct.unpack(">Q", buffer[2:10])[0]; offset = 10
        need(offset + length)
        message += buffer[offset:offset + length]
        buffer = buffer[offset + length:]
        if fin:
            return message.decode(), buffer

def call(sock, buffer, method, params):
    send(sock, json.dumps({"id": 1, "method": method, "params": params}))
    while True:
        text, buffer = receive(sock, buffer)
        reply = json.loads(text)
        if reply.get("id") == 1:
            if "error" in reply:
                raise SystemExit(f"{method}: {reply['error']}")
            return reply["result"]

def main():
    port, command, argument = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    sock, buffer = page_socket(port)
    if command == "eval":
        result = call(sock, buffer, "Runtime.evaluate", {"expression": argument, "returnByValue": True})
        print(json.dumps(result["result"].get("value")))
    elif command == "screenshot":
        result = call(sock, buffer, "Page.captureScreenshot", {"format": "png"})
        with open(argument, "wb") as f:
            f.write(base64.b64decode(result["data"]))
        print(json.dumps(argument))
    else:
        raise SystemExit("unknown command " + command)

main()
"""#
}
