import Foundation
import LoopCore
import Testing

@testable import LoopBackends

/// The log header and heartbeat contents.
@Suite struct LogAndHeartbeatTests {
    @Test("the header shows argv with the prompt replaced by its size and secrets masked")
    func header() {
        let invocation = Invocation(
            arguments: [],
            displayArguments: [
                "agent", "--key", "sk-proj-abcdefghijklmnop", "-H",
                "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload",
                "--api_key=supersecretvalue", "--max-tokens=4096", "<prompt: 2048 bytes>", "it's",
            ], stdinFile: nil, environment: [:])
        let text = DispatchLogHeader.text(
            backend: "mine", invocation: invocation, request: makeRequest(backend: "mine"), time: "2026-11-23T15:26:11Z"
        )
        let lines = text.components(separatedBy: "\n")
        #expect(lines.count == 4)
        #expect(
            lines[0]
                == "==> 2026-11-23T15:26:11Z loop dispatch: backend mine, role worker, round 2, task T-7, run run-abc123"
        )
        #expect(
            lines[1]
                == "    argv: agent --key sk-*** -H 'Authorization: Bearer ***' --api_key=*** --max-tokens=4096 '<prompt: 2048 bytes>' 'it'\\''s'"
        )
        #expect(lines[2] == "    cwd: /tmp/loop-test/work")
        #expect(lines[3] == "    stdin: /dev/null")
        #expect(!text.contains("abcdefghijklmnop") && !text.contains("supersecretvalue") && !text.contains("payload"))
    }

    @Test("the heartbeat has role, pid, run id, both times and source pm")
    func heartbeatPayload() throws {
        let writer = HeartbeatWriter(path: "/unused", role: .reviewer, runID: "r-9", interval: 5, pid: 4242)
        let updated = try #require(Timestamp.parse("2026-11-23T15:00:00Z"))
        let data = writer.payload(updatedAt: updated, lastOutputAt: nil)
        let value = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(
            value
                == .object([
                    "role": .string("reviewer"), "pid": .number(4242), "run_id": .string("r-9"),
                    "updated_at": .string("2026-11-23T15:00:00.000Z"), "last_output_at": .null, "source": .string("pm"),
                ]))
        let later = writer.payload(updatedAt: updated, lastOutputAt: updated.addingTimeInterval(-3))
        #expect(
            try JSONDecoder().decode(JSONValue.self, from: later)["last_output_at"] == .string("2026-11-23T14:59:57.000Z"))
    }
}
