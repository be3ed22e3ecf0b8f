#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore
import LoopTestSupport
import Testing

extension Reliability {
    /// Issue item 3: hung and hostile agents never hang, crash or fool the PM, and leave nothing running.
    @Suite(.serialized, .timeLimit(.minutes(5)))
    struct HostileAgents {
        /// Records a case for the report and returns whether all its checks held.
        @discardableResult
        static func record(_ name: String, _ checks: [(String, Bool)], _ fields: [String: JSONValue] = [:]) -> Bool {
            Recorder.checks(suite: "hostile", name: name, checks, fields)
        }

        /// Processes still carrying the sandbox's bus.
        static func survivors(_ box: TestRepo) -> [pid_t] { ProcFS.agents(ofBus: box.loopDir).map(\.pid) }

        @Test("a hung agent is killed at --dispatch-timeout with its group, and the retry approves")
        func hungAgent() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents(worker: """
                if [ "$(attempt worker)" -eq 1 ]; then record worker.pid; ( record grandchild.pid $BASHPID; exec sleep 300 ) & sleep 300; fi
                change; work_report
                """)
            let result = try await box.run(["--dispatch-timeout", "2", "--dispatch-retries", "1"])
            let events = try Bus(box).eventNames
            Self.record("hangs: killed at the dispatch timeout, retried", [
                ("approved (exit 0)", result.exitCode == 0),
                ("agent gone", !ProcessControl.isAlive(try box.recordedPID("worker.pid"))),
                ("grandchild gone", !ProcessControl.isAlive(try box.recordedPID("grandchild.pid"))),
                ("a dispatch_failed event", events.contains("dispatch_failed")),
                ("nothing of the bus left running", Self.survivors(box).isEmpty),
                ("done in under 20 s", result.seconds < 20),
            ], ["seconds": .number((result.seconds * 10).rounded() / 10)])
        }

        @Test("a hung agent whose grandchild ignores SIGTERM: both are gone after the grace, and the retry approves")
        func grandchildIgnoringTerm() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents(worker: """
                if [ "$(attempt worker)" -eq 1 ]; then
                    trap '' TERM; record worker.pid
                    ( trap '' TERM; record grandchild.pid $BASHPID; while :; do sleep 1; done ) &
                    while :; do sleep 1; done
                fi
                change; work_report
                """)
            let result = try await box.run(["--dispatch-timeout", "2", "--dispatch-retries", "1"])
            Self.record("forks a grandchild that ignores SIGTERM (agent hangs)", [
                ("approved (exit 0)", result.exitCode == 0),
                ("agent gone", !ProcessControl.isAlive(try box.recordedPID("worker.pid"))),
                ("grandchild gone", !ProcessControl.isAlive(try box.recordedPID("grandchild.pid"))),
                ("nothing of the bus left running", Self.survivors(box).isEmpty),
            ], ["seconds": .number((result.seconds * 10).rounded() / 10)])
        }

        @Test("an agent that exits leaving a grandchild that ignores SIGTERM: the grandchild is killed, the round goes on")
        func leftoverGrandchild() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents(worker: """
                ( trap '' TERM; record grandchild.pid $BASHPID; exec sleep 300 ) &
                # Exit only once the grandchild is there to be left behind (the PM ends the
                # group at once; a grandchild not yet started would record nothing).
                while [ ! -s "$STATE/grandchild.pid" ]; do sleep 0.05; done
                change; work_report
                """)
            let result = try await box.run(["--dispatch-timeout", "60"])
            Self.record("exits, leaving a grandchild that ignores SIGTERM in its group", [
                ("approved (exit 0)", result.exitCode == 0),
                ("grandchild gone", !ProcessControl.isAlive(try box.recordedPID("grandchild.pid"))),
                ("no wait for the dispatch timeout (under 15 s)", result.seconds < 15),
            ], ["seconds": .number((result.seconds * 10).rounded() / 10)])
        }

        /// Regression — a bug this suite found (fixed on main): a setsid'd grandchild of an agent survived the finished run (only the next run reaped it)
        @Test("a grandchild that escaped into its own session (setsid) does not outlive the run")
        func escapedGrandchildDoesNotOutliveRun() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents(worker: """
                setsid bash -c 'trap "" TERM; echo $$ >"$0/escaped.pid"; exec sleep 300' "$STATE" </dev/null >/dev/null 2>&1 &
                change; work_report
                """)
            let result = try await box.run()
            try await eventually("the escaped process recorded its pid") { box.hasMarker("escaped.pid") }
            Self.record("a grandchild escapes with setsid", [
                ("approved (exit 0)", result.exitCode == 0),
                ("escaped grandchild gone when the run ends", !ProcessControl.isAlive(try box.recordedPID("escaped.pid"))),
            ])
        }

        @Test("an agent that closes stdout and stderr and hangs is ended, with nothing left running")
        func closedOutputAndHangs() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents(worker: """
                if [ "$(attempt worker)" -eq 1 ]; then record worker.pid; exec >&- 2>&-; sleep 300; fi
                change; work_report
                """)
            let result = try await box.run(["--dispatch-timeout", "3", "--dispatch-retries", "1"])
            Self.record("closes stdout/stderr and keeps running (hangs)", [
                ("approved after a retry (exit 0)", result.exitCode == 0),
                ("agent gone", !ProcessControl.isAlive(try box.recordedPID("worker.pid"))),
                ("nothing of the bus left running", Self.survivors(box).isEmpty),
            ], ["seconds": .number((result.seconds * 10).rounded() / 10)])
        }

        /// Regression — a bug this suite found (fixed on main): closing both output pipes gets a still-running agent SIGKILLed at once ("killed by signal 9")

        @Test("an agent that sends its output to /dev/null and goes on working is not killed for it")
        func quietAgentIsNotKilled() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents(worker: """
                exec >/dev/null 2>&1
                sleep 1
                change; work_report
                """)
            let result = try await box.run(["--dispatch-retries", "0"])
            Self.record("closes stdout/stderr, keeps working, then reports", [
                ("approved (exit 0)", result.exitCode == 0),
                ("not killed", !result.output.contains("killed by signal")),
            ])
        }

        @Test("1 GB of output (`yes | head -c 1G`): PM memory stays bounded, the flood is ended, the retry approves")
        func gigabyteOfShortLines() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents(worker: """
                if [ "$(attempt worker)" -eq 1 ]; then yes | head -c 1G; fi
                change; work_report
                """)
            let timeout = Matrix.isFull ? 15 : 4
            let pm = box.start(["--dispatch-timeout", "\(timeout)", "--dispatch-retries", "1", "--idle-timeout", "0"])
            let sampler = MemorySampler(group: try await pm.pid())
            let result = try await pm.wait()
            let peak = sampler.stop()
            let log = box.absolute(".loop/logs/T-1/r1_worker.log")
            let logged = (try? FileManager.default.attributesOfItem(atPath: log)[.size] as? Int) ?? 0
            let bound = 200 * 1024
            Self.record("prints 1 GB in 2-byte lines (`yes | head -c 1G`)", [
                ("approved after the flood was ended (exit 0)", result.exitCode == 0),
                ("peak VmHWM of the PM processes under \(bound / 1024) MiB", peak.hwmKiB > 0 && peak.hwmKiB < bound),
                ("nothing of the bus left running", Self.survivors(box).isEmpty),
            ], [
                "peak_hwm_kib": .number(Double(peak.hwmKiB)), "peak_rss_kib": .number(Double(peak.rssKiB)),
                "samples": .number(Double(peak.samples)), "logged_bytes": .number(Double(logged)),
                "dispatch_timeout_s": .number(Double(timeout)),
                "throughput_bytes_per_s": .number((Double(logged) / Double(timeout)).rounded()),
            ])
        }

        /// Regression — a bug this suite found (fixed on main): each agent output line goes through ~40 NSRegularExpression matches (inspectDiagnostic), ~20k lines/s: a chatty agent is throttled

        @Test("an agent's 200,000 short lines are read about as fast as a verify command's (at most 4x as long)")
        func shortLinesReadFast() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard(verify: ["yes | head -c 400000; test -s work.txt"])
            try box.useAgents(worker: """
                yes | head -c 400000
                change; work_report
                """)
            let result = try await box.run()
            // Both read the same 200,000 lines; timestamps are the PM's own, in milliseconds.
            let events = (try? Bus(box).events) ?? []
            func time(_ name: String, role: String? = nil) -> Date? {
                events.first { $0["event"] as? String == name && (role == nil || $0["role"] as? String == role) }
                    .flatMap { $0["ts"] as? String }.flatMap(Self.parseTimestamp)
            }
            func span(_ start: Date?, _ end: Date?) -> Double {
                guard let start, let end else { return -1 }
                return end.timeIntervalSince(start)
            }
            let agentSeconds = span(time("dispatch_started", role: "worker"), time("dispatch_finished", role: "worker"))
            let verifySeconds = span(time("worker_finished"), time("verify_finished"))
            Self.record("prints 200,000 two-byte lines, then reports", [
                ("approved (exit 0)", result.exitCode == 0),
                ("timestamps found", agentSeconds >= 0 && verifySeconds >= 0),
                ("the agent's lines take at most 4x as long as the verify command's (+1 s)", agentSeconds <= 4 * verifySeconds + 1),
            ], [
                "agent_seconds": .number((agentSeconds * 100).rounded() / 100), "verify_seconds": .number((verifySeconds * 100).rounded() / 100),
                "agent_lines_per_s": .number(agentSeconds > 0 ? (200_000 / agentSeconds).rounded() : 0),
            ])
        }

        static func parseTimestamp(_ text: String) -> Date? {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let date = formatter.date(from: text) { return date }
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.date(from: text)
        }

        @Test("1 GB of output in 16 KB lines: the log is capped with a notice and PM memory stays bounded",
              .enabled(if: Matrix.isFull))
        func gigabyteIsCapped() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents(worker: """
                if [ "$(attempt worker)" -eq 1 ]; then yes "$(head -c 16383 /dev/zero | tr '\\0' x)" | head -c 1G; fi
                change; work_report
                """)
            let pm = box.start(["--dispatch-timeout", "60", "--dispatch-retries", "1", "--idle-timeout", "0"], limit: .seconds(200))
            let sampler = MemorySampler(group: try await pm.pid())
            let result = try await pm.wait()
            let peak = sampler.stop()
            let log = box.absolute(".loop/logs/T-1/r1_worker.log")
            let logged = (try? FileManager.default.attributesOfItem(atPath: log)[.size] as? Int) ?? 0
            let capped = (try? box.read(log))?.contains("[loop] log capped") ?? false
            let bound = 200 * 1024
            Self.record("prints 1 GB in 16 KB lines", [
                ("approved (exit 0)", result.exitCode == 0),
                ("log ends with \"[loop] log capped\"", capped),
                ("log at most 64 MiB + the notice", logged <= 64 * 1024 * 1024 + 4096),
                ("peak VmHWM of the PM processes under \(bound / 1024) MiB", peak.hwmKiB > 0 && peak.hwmKiB < bound),
            ], [
                "peak_hwm_kib": .number(Double(peak.hwmKiB)), "peak_rss_kib": .number(Double(peak.rssKiB)),
                "logged_bytes": .number(Double(logged)), "seconds": .number((result.seconds * 10).rounded() / 10),
            ])
        }

        @Test("an agent that exits 0 without a report fails the round cleanly after --artifact-timeout (exit 3)")
        func exitsWithoutReport() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents(worker: "change")
            let result = try await box.run(["--dispatch-retries", "0", "--artifact-timeout", "2"])
            let audit = Bus(box)
            Self.record("exits 0 without a report", [
                ("exit 3", result.exitCode == 3),
                ("says it wrote no work_report.json", result.output.contains("wrote no work_report.json")),
                ("state failed", audit.phase == "failed"),
                ("outcome failed", (try? audit.outcome)?["result"] as? String == "failed"),
                ("waited the artifact timeout, not much more (under 10 s)", result.seconds < 10),
                ("nothing torn", audit.tornFiles().isEmpty),
            ], ["seconds": .number((result.seconds * 10).rounded() / 10)])
        }

        @Test("a report written after the agent exits, within --artifact-timeout, is accepted")
        func lateReport() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents(worker: """
                change
                later 1.5 work_report
                exit 0
                """)
            let result = try await box.run(["--dispatch-retries", "0", "--artifact-timeout", "6"])
            let audit = Bus(box)
            Self.record("writes the report late (within the artifact timeout)", [
                ("approved (exit 0)", result.exitCode == 0),
                ("one worker attempt", !(try audit.eventNames.contains("dispatch_failed"))),
            ])
        }

        @Test("a report written twice: the one on disk when the agent ends counts")
        func reportWrittenTwice() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents(
                worker: """
                    change
                    put "$LOOP_REPORT_PATH" "$(work_json | sed 's/"notes": "done"/"notes": "first"/')"
                    put "$LOOP_REPORT_PATH" "$(work_json | sed 's/"notes": "done"/"notes": "second"/')"
                    """,
                reviewer: """
                    review_report changes_required "$(issue 'first thoughts')"
                    review_report approve
                    """)
            let result = try await box.run()
            let audit = Bus(box)
            let runID = audit.runID ?? ""
            let work = try? audit.object("archive/T-1/\(runID)/r1_work_report.json")
            Self.record("writes the report twice", [
                ("approved in round 1 (exit 0)", result.exitCode == 0 && (try? audit.state)?["round"] as? Int == 1),
                ("the second work report is the one kept", work?["notes"] as? String == "second"),
                ("one PM commit", (try? await box.taskCommits()) == 1),
            ])
        }

        @Test("a report replaced by a symlink to a file outside the bus is refused, and that file is never copied")
        func symlinkedReport() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            let outside = box.root + "/outside-secret.json"
            try box.useAgents(worker: """
                change
                if [ "$(attempt worker)" -eq 1 ]; then
                    work_json | sed 's/"notes": "done"/"notes": "SECRET-MARKER-4711"/' >'\(outside)'
                    ln -sfn '\(outside)' "$LOOP_REPORT_PATH"
                else
                    work_report
                fi
                """)
            let result = try await box.run(["--dispatch-retries", "1", "--artifact-timeout", "2"])
            let audit = Bus(box)
            let leaked = audit.files().filter { relative in
                (FileManager.default.contents(atPath: "\(box.loopDir)/\(relative)").map { String(decoding: $0, as: UTF8.self) } ?? "")
                    .contains("SECRET-MARKER-4711")
            }
            let outsideIntact = (try? String(contentsOfFile: outside, encoding: .utf8))?.contains("SECRET-MARKER-4711") ?? false
            Self.record("replaces its report by a symlink to a file outside the bus", [
                ("refused, naming the symlink", result.output.contains("symlink")),
                ("approved only by the retry's real report (exit 0)", result.exitCode == 0),
                ("the outside file is intact", outsideIntact),
            ], ["bus_files_holding_the_outside_content": .array(leaked.map(JSONValue.string))])
        }

        /// Regression — a bug this suite found (fixed on main): setting a symlinked report aside copies the target's bytes into archive/…/stale/ (reads a file outside the bus)

        @Test("a symlinked report's target is never copied into the bus (archive or stale)")
        func symlinkTargetNotCopied() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            let outside = box.root + "/outside-secret.txt"
            try "SECRET-MARKER-4711\n".write(toFile: outside, atomically: true, encoding: .utf8)
            try box.useAgents(worker: """
                change
                if [ "$(attempt worker)" -eq 1 ]; then ln -sfn '\(outside)' "$LOOP_REPORT_PATH"; else work_report; fi
                """)
            _ = try await box.run(["--dispatch-retries", "1", "--artifact-timeout", "2"])
            let audit = Bus(box)
            let leaked = audit.files().filter { relative in
                (FileManager.default.contents(atPath: "\(box.loopDir)/\(relative)").map { String(decoding: $0, as: UTF8.self) } ?? "")
                    .contains("SECRET-MARKER-4711")
            }
            #expect(leaked.isEmpty, "outside file copied to \(leaked)")
        }
    }
}
