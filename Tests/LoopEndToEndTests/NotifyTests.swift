import Foundation
import LoopTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `notify:` in config.yaml: a command run when a run needs a person, with the event as JSON on
/// stdin and in `LOOP_*` variables; bounded and never fatal (issue 13).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct NotifyTests {
    /// A notify command that keeps each payload (`notify-<event>.json`) and one line of its
    /// environment per call (`notify.log`).
    static let recorder = """
        cat >"$STATE/notify-$LOOP_EVENT.json"
        printf '%s|%s|%s|%s|%s|%s\\n' "$LOOP_EVENT" "$LOOP_TASK_ID" "$LOOP_RUN_ID" "$LOOP_ROUND" "$LOOP_RESULT" "$LOOP_MESSAGE" >>"$STATE/notify.log"
        """

    private func notifyLog(_ repo: TestRepo) -> [String] {
        ((try? repo.read(repo.scratchFile("notify.log"))) ?? "").split(separator: "\n").map(String.init)
    }

    private func payload(_ repo: TestRepo, _ event: String) throws -> [String: Any] {
        let text = try repo.read(repo.scratchFile("notify-\(event).json"))
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw SetupFailure("not a JSON object: \(text)")
        }
        return object
    }

    @Test("an argv notify command gets 'approved' as JSON on stdin and LOOP_* in its environment")
    func approvedRunNotifies() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        let script = try repo.agent("notify", Self.recorder)
        try repo.setOption("notify", "[\"\(script)\"]")
        let result = try await repo.run()
        #expect(result.exitCode == 0, "\(result.output)")

        let runID = try #require(Bus(repo).runID)
        #expect(notifyLog(repo) == ["approved|T-1|\(runID)|1|approved|loop: T-1 approved (round 1)"])
        let json = try payload(repo, "approved")
        #expect(json["event"] as? String == "approved")
        #expect(json["source_event"] as? String == "run_finished")
        #expect(json["task_id"] as? String == "T-1")
        #expect(json["run_id"] as? String == runID)
        #expect(json["round"] as? Int == 1)
        #expect(json["schema_version"] as? Int == 1)
        #expect((json["fields"] as? [String: Any])?["exit_code"] as? Int == 0)
    }

    @Test("a string notify runs through sh -c; no progress notifies needs_help, then exhausted")
    func shellStringAndNeedsHelp() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        // The worker changes nothing and the reviewer never approves: rounds stall.
        try repo.useAgents(worker: "work_report", reviewer: AgentScript.alwaysReject)
        let log = repo.scratchFile("shell.log")
        try repo.setOption("notify", "'echo \"$LOOP_EVENT $LOOP_RESULT\" >> \(log)'")
        let result = try await repo.run(["--max-rounds", "4"])
        #expect(result.exitCode == 2, "\(result.output)")
        let lines = try repo.read(log).split(separator: "\n").map(String.init)
        #expect(lines == ["needs_help needs_help", "exhausted exhausted"], "\(lines)")
    }

    @Test("an interrupted run notifies 'interrupted'")
    func interruptedRunNotifies() async throws {
        let repo = try await TestRepo.make()
        let script = try repo.agent("notify", Self.recorder)
        try repo.writeCard()
        try repo.useAgents(worker: AgentScript.heldWorker)
        try repo.setOption("notify", "[\"\(script)\"]")
        let run = try await repo.start(waitingFor: "worker-started")
        try await run.send(SIGINT)
        #expect(try await run.wait().exitCode == 130)
        #expect(notifyLog(repo).map { $0.split(separator: "|").first.map(String.init) ?? "" } == ["interrupted"])
    }

    @Test("a failing notify command is a warning and a notify_failed event; the run is still approved")
    func failingNotifyIsNotFatal() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        let script = try repo.agent("notify", "echo 'webhook said no' >&2; exit 3")
        try repo.setOption("notify", "[\"\(script)\"]")
        let result = try await repo.run()
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(result.stderr.contains("notify (approved) failed"), "\(result.stderr)")
        #expect(result.stderr.contains("status 3: webhook said no"), "\(result.stderr)")
        let failed = try Bus(repo).events.filter { $0["event"] as? String == "notify_failed" }
        #expect(failed.count == 1)
        #expect(failed.first?["notify_event"] as? String == "approved")
    }

    @Test("a notify command that hangs is killed after 10 s and the run ends approved")
    func hangingNotifyIsBounded() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        let script = try repo.agent("notify", "record notify.pid; exec sleep 120")
        try repo.setOption("notify", "[\"\(script)\"]")
        let result = try await repo.run()
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(result.stderr.contains("did not finish within 10 s and was killed"), "\(result.stderr)")
        let pid = try repo.recordedPID("notify.pid")
        #expect(kill(pid, 0) != 0, "the hung notify command is gone")
    }

    @Test("a missing notify program is reported, never fatal")
    func missingNotifyProgram() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        try repo.setOption("notify", "[\"no-such-notifier-here\", \"x\"]")
        let result = try await repo.run()
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(result.stderr.contains("no-such-notifier-here"), "\(result.stderr)")
        #expect(try Bus(repo).eventNames.contains("notify_failed"))
    }

    @Test("a notify: that is neither a string nor a list of strings is reported when it would run; the run goes on")
    func invalidNotifySetting() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        try repo.setOption("notify", "{url: 5}")
        let result = try await repo.run()
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(
            result.stderr.contains("must be a list of strings (argv) or one shell command string"), "\(result.stderr)")
        #expect(!result.stderr.contains("unknown key"), "notify: is a known key: \(result.stderr)")
    }

    // MARK: - The README's examples

    /// The README's "Notifications" section: its `notify:` lines and its example script.
    static func readmeExamples() throws -> (lines: [String], script: String) {
        let readme = try String(contentsOfFile: LoopBinary.packageRoot + "/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "## Notifications\n"))
        var section = String(readme[start.upperBound...])
        if let next = section.range(of: "\n## ") { section = String(section[..<next.lowerBound]) }
        func block(_ language: String) throws -> String {
            let open = try #require(section.range(of: "```\(language)\n"), "no \(language) block")
            let close = try #require(section[open.upperBound...].range(of: "\n```"))
            return String(section[open.upperBound..<close.lowerBound])
        }
        let lines = try block("yaml").split(separator: "\n").map(String.init).filter { $0.hasPrefix("notify:") }
        return (lines, try block("sh"))
    }

    @Test(
        "the README's three notify examples work as written (notify-send, ntfy via curl, a script), with stand-ins for the programs"
    )
    func readmeExamplesWork() async throws {
        let (lines, script) = try Self.readmeExamples()
        #expect(lines.count == 3, "\(lines)")
        for (index, line) in lines.enumerated() {
            let repo = try await TestRepo.make()
            try repo.writeCard()
            try repo.useAgents()
            // Stand-ins that record their arguments and stdin; jq is the real one when installed.
            let bin = repo.scratchFile("bin")
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            for program in ["notify-send", "curl"] {
                try repo.write(
                    repo.scratchFile("bin/\(program)"),
                    "#!/bin/sh\nprintf '%s\\n' \"$@\" >\"\(repo.scratchFile(program + ".args"))\"\ncat >\"\(repo.scratchFile(program + ".stdin"))\"\n"
                )
                chmod(repo.scratchFile("bin/\(program)"), 0o755)
            }
            let scriptPath = repo.scratchFile("loop-notify")
            try repo.write(scriptPath, script)
            chmod(scriptPath, 0o755)
            try repo.setOption(
                "notify",
                String(line.dropFirst("notify: ".count)).replacingOccurrences(
                    of: "/home/me/bin/loop-notify", with: scriptPath))
            let home = repo.scratchFile("home")
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            let path = "\(bin):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
            let result = try await repo.run(
                environment: ["PATH": path, "HOME": home, "SLACK_WEBHOOK_URL": "https://hooks.example/T000"])
            #expect(result.exitCode == 0, "\(line): \(result.output)")
            #expect(!result.stderr.contains("notify"), "\(line): \(result.stderr)")
            switch index {
            case 0:
                let args = try repo.read(repo.scratchFile("notify-send.args"))
                #expect(args == "loop: approved\nloop: T-1 approved (round 1)\n", "\(args)")
            case 1:
                let args = try repo.read(repo.scratchFile("curl.args")).split(separator: "\n").map(String.init)
                #expect(args.contains("loop: T-1 approved (round 1)"), "\(args)")
                #expect(args.contains("Title: loop approved"), "\(args)")
                #expect(args.last?.hasPrefix("https://ntfy.sh/") == true, "\(args)")
            default:
                let log = try String(contentsOfFile: home + "/loop-notifications.jsonl", encoding: .utf8)
                #expect(log.contains(#""event":"approved""#), "\(log)")
                let posted = try repo.read(repo.scratchFile("curl.stdin"))
                #expect(posted.contains(#"{"text":"loop: T-1 approved (round 1)"}"#), "\(posted)")
                let args = try repo.read(repo.scratchFile("curl.args"))
                #expect(args.contains("https://hooks.example/T000"), "\(args)")
            }
        }
    }
}
