#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore
import LoopTestSupport
import Testing

extension Reliability {
    /// Issue item 2: SIGINT and SIGTERM to the PM in each phase stop everything it started
    /// within 5 s, save the run as interrupted (exit 130 / 143) and `--resume` finishes it.
    @Suite(.serialized, .timeLimit(.minutes(5)))
    struct Signals {
        enum Phase: String, Sendable, CaseIterable {
            case working, verifying, reviewing
        }

        /// Whom the signal goes to: the PM alone (`kill <pid>`), or its whole process group
        /// (what Ctrl+C in a terminal does).
        enum Target: String, Sendable {
            case pm
            case group
        }

        struct Case: Sendable, CustomTestStringConvertible {
            var signal: Int32
            var phase: Phase
            var target: Target
            var name: String { "\(signal == SIGINT ? "SIGINT" : "SIGTERM") to the \(target == .pm ? "PM" : "PM's group") while \(phase.rawValue)" }
            var testDescription: String { name }
        }

        static let all: [Case] = [SIGINT, SIGTERM].flatMap { signal in
            Phase.allCases.flatMap { phase in [Target.pm, .group].map { Case(signal: signal, phase: phase, target: $0) } }
        }
        static let cases = Matrix.pick(full: all, sampled: all.filter { $0.target == .pm })

        /// The first host process whose argv satisfies `matches`.
        static func hostPID(_ matches: ([String]) -> Bool) -> pid_t? {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            for name in names {
                guard let pid = pid_t(name), pid != getpid(),
                    let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline"), !data.isEmpty
                else { continue }
                let argv = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                if matches(argv) { return pid }
            }
            return nil
        }

        /// A body that, on its first call only, records its pid and a grandchild's and sleeps.
        static func sleepFirst(_ name: String, then rest: String) -> String {
            """
            if [ "$(attempt \(name))" -eq 1 ]; then
                ( echo "$BASHPID" >"$STATE/\(name)-grandchild.pid"; exec sleep 120 ) &
                record \(name).pid
                sleep 120
                exit 1
            fi
            \(rest)
            """
        }

        @Test("a signal in each phase: children's groups gone within 5 s, state interrupted, exit 130/143, --resume approves",
              arguments: cases)
        func signalStopsAndResumes(_ item: Case) async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            // Verify runs in bubblewrap: it cannot write pid files outside the worktree, and its
            // $$ is a pid of the sandbox's namespace. It marks its first run in the worktree, and
            // the test finds the sandbox (bwrap leads the command's group) and the grandchild on
            // the host by a marker in their command lines.
            let marker = "loop-signal-verify-\(UUID().uuidString.prefix(8))"
            let verifyOnce = """
                if [ -s work.txt ] && [ ! -f .verify-started ]; then touch .verify-started; ( exec -a \(marker)-grandchild sleep 120 ) & sleep 120; fi; rm -f .verify-started; test -s work.txt
                """
            try box.writeCard(verify: [item.phase == .verifying ? verifyOnce : "test -s work.txt"])
            try box.useAgents(
                worker: item.phase == .working ? Self.sleepFirst("worker", then: AgentScript.goodWorker) : AgentScript.goodWorker,
                reviewer: item.phase == .reviewing ? Self.sleepFirst("reviewer", then: AgentScript.approve) : AgentScript.approve)
            let audit = Bus(box)
            let role = ["working": "worker", "verifying": "verify", "reviewing": "reviewer"][item.phase.rawValue] ?? ""
            let pm = box.start()
            func verifyPIDs() -> [pid_t]? {
                guard let sandbox = Self.hostPID({ $0.first?.hasSuffix("bwrap") == true && $0.contains { $0.contains(marker) } }),
                    let grandchild = Self.hostPID({ $0.first == "\(marker)-grandchild" })
                else { return nil }
                return [sandbox, grandchild]
            }
            try await eventually("the \(role) sleeps in phase \(item.phase.rawValue)", timeout: .seconds(30)) {
                guard audit.phase == item.phase.rawValue else { return false }
                if item.phase == .verifying { return verifyPIDs() != nil }
                // The pid files are created before the pid is written into them: wait for the pids.
                return (try? box.recordedPID("\(role).pid")) != nil && (try? box.recordedPID("\(role)-grandchild.pid")) != nil
            }
            let children =
                item.phase == .verifying
                ? try #require(verifyPIDs())
                : [try box.recordedPID("\(role).pid"), try box.recordedPID("\(role)-grandchild.pid")]
            let pmPID = try await pm.pid()
            let sent = ContinuousClock.now
            kill(item.target == .pm ? pmPID : -pmPID, item.signal)

            // Everything it started is gone within 5 s.
            var gone = false
            // The agent (or verify command) leads its own process group; the grandchild is in it.
            while ContinuousClock.now - sent < .seconds(5) {
                if children.allSatisfy({ !ProcessControl.isAlive($0) }), !ProcessControl.isGroupAlive(children[0]) {
                    gone = true
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            let stopped = try await pm.wait()
            let seconds = (ContinuousClock.now - sent).seconds
            let leftover = ProcFS.members(ofGroup: pmPID) + children.filter(ProcessControl.isAlive)
            let expectedExit: Int32 = item.signal == SIGINT ? 130 : 143
            let state = try? audit.state
            let resumed = try await box.loop(["run", "--resume"])
            let outcome = try? audit.outcome

            var fields: [String: JSONValue] = [:]
            fields.put("exit", stopped.exitCode)
            fields.put("children_gone_within_5s", gone)
            fields.put("stop_seconds", seconds)
            fields.put("stopped_in", state?["stopped_in"] as? String)
            fields.put("resume_exit", resumed.exitCode)
            let passed = gone && leftover.isEmpty && stopped.exitCode == expectedExit
                && state?["phase"] as? String == "interrupted" && state?["stopped_in"] as? String == item.phase.rawValue
                && resumed.exitCode == 0 && outcome?["result"] as? String == "approved"
            Recorder.record(suite: "signals", name: item.name, passed: passed, fields)

            #expect(gone, "agent/verify processes \(children) still alive 5 s after the signal")
            #expect(leftover.isEmpty, "left running: \(leftover)")
            #expect(stopped.exitCode == expectedExit, "\(stopped.output)")
            #expect(state?["phase"] as? String == "interrupted")
            #expect(state?["result"] as? String == "interrupted")
            #expect(state?["stopped_in"] as? String == item.phase.rawValue)
            #expect(stopped.output.contains("loop run --resume"), "\(stopped.output)")
            #expect(resumed.exitCode == 0, "\(resumed.output)")
            #expect(outcome?["result"] as? String == "approved")
            #expect(audit.tornFiles().isEmpty, "\(audit.tornFiles())")
        }
    }
}
