#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopTestSupport
import Testing

/// `loop status`, `loop health` and `loop heartbeat`: what a person or a script sees of a run.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct StatusAndHealthTests {
    /// `loop status --json`, parsed.
    private func status(_ repo: TestRepo) async throws -> [String: Any] {
        let result = try await repo.loop("status", "--json")
        #expect(result.exitCode == 0, "\(result.output)")
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw SetupFailure("status --json is not an object: \(result.stdout)")
        }
        return object
    }

    @Test("status reads --loop-dir and --json in any order and either form; other arguments get the full parser's answer")
    func statusArgumentForms() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        #expect(try await repo.run().exitCode == 0)  // an approved run in .loop
        try FileManager.default.moveItem(atPath: "\(repo.path)/.loop", toPath: "\(repo.path)/bus")

        for arguments in [["--loop-dir", "bus", "--json"], ["--json", "--loop-dir=bus"]] {
            let result = try await repo.loop(["status"] + arguments)
            #expect(result.exitCode == 0, "\(arguments): \(result.output)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            #expect(object?["result"] as? String == "approved", "\(arguments): \(result.stdout)")
        }
        let lines = try await repo.loop("status", "--loop-dir", "bus")
        #expect(lines.exitCode == 0 && lines.stdout.contains("approved"), "\(lines.output)")
        let unknown = try await repo.loop("status", "--bogus")
        #expect(unknown.exitCode == 64 && unknown.stderr.contains("Unknown option '--bogus'"), "\(unknown.output)")
        let help = try await repo.loop("status", "--help")
        #expect(help.exitCode == 0 && help.stdout.contains("--watch"), "\(help.output)")
    }

    @Test("status --json of a fresh bus says idle; during a run it names the live PM; after it, the result")
    func statusThroughARun() async throws {
        let repo = try await TestRepo.make()
        let idle = try await status(repo)
        #expect(idle["state"] as? String == "idle")
        #expect(idle["schema_version"] as? Int == 1)

        let run = try await repo.startHeldRun()
        let during = try await status(repo)
        #expect(during["state"] as? String == "working")
        #expect(during["round"] as? Int == 1)
        #expect(during["task_id"] as? String == "T-1")
        let lock = try #require(during["lock"] as? [String: Any])
        #expect(lock["held"] as? Bool == true)
        #expect(lock["owner_pid"] as? Int == Int(try await run.pid()))
        #expect(lock["owner_alive"] as? Bool == true)

        try repo.releaseWorker()
        #expect(try await run.wait().exitCode == 0)
        let after = try await status(repo)
        let outcome = try Bus(repo).outcome
        #expect(after["state"] as? String == "done")
        #expect(after["result"] as? String == "approved")
        #expect(after["run_id"] as? String == outcome["run_id"] as? String)
        #expect(after["head_sha"] as? String == outcome["head_sha"] as? String)
        #expect(after["merge_command"] as? String == "git merge \(outcome["head_sha"] as? String ?? "?")")
        #expect((after["lock"] as? [String: Any])?["held"] as? Bool == false)
        let text = try await repo.loop("status")
        #expect(text.exitCode == 0)
        #expect(text.stdout.contains("T-1") && text.stdout.contains("approved"), "\(text.stdout)")
    }

    @Test("health is healthy during and after a run, and exit 1 naming --resume when the PM died mid-run")
    func healthSeesADeadPM() async throws {
        let repo = try await TestRepo.make()
        let run = try await repo.startHeldRun()

        let during = try await repo.loop("health")
        #expect(during.exitCode == 0, "\(during.output)")
        #expect(during.stdout.contains("healthy"), "\(during.stdout)")

        try await run.killGroup()
        _ = try await run.wait()
        let dead = try await repo.loop("health", "--json")
        #expect(dead.exitCode == 1, "\(dead.output)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(dead.stdout.utf8)) as? [String: Any])
        #expect(report["healthy"] as? Bool == false)
        let checks = report["checks"] as? [[String: Any]] ?? []
        let pm = try #require(checks.first { $0["name"] as? String == "pm" })
        #expect(pm["ok"] as? Bool == false)
        #expect((pm["detail"] as? String)?.contains("--resume") == true, "\(pm)")

        try repo.releaseWorker()
        #expect(try await repo.run(["--resume"]).exitCode == 0)
        let after = try await repo.loop("health")
        #expect(after.exitCode == 0, "\(after.output)")
    }

    @Test("health is exit 1 when a configured backend's program is missing")
    func healthSeesMissingBackend() async throws {
        let repo = try await TestRepo.make()
        try repo.addBackend("gone", command: [repo.agents + "/gone"])
        try repo.write(".loop/config.yaml", try repo.read(".loop/config.yaml")
            .replacingOccurrences(of: "worker_backend: codex ", with: "worker_backend: gone  "))

        let result = try await repo.loop("health")

        #expect(result.exitCode == 1, "\(result.output)")
        #expect(result.stdout.contains(repo.agents + "/gone"), "\(result.stdout)")
    }

    @Test("loop heartbeat keeps heartbeat/<role>.json fresh until it is stopped")
    func heartbeatWritesAndStops() async throws {
        let repo = try await TestRepo.make()
        let beat = LoopProcess(["heartbeat", "--role", "worker", "--interval", "1"], in: repo.path)
        let file = repo.loopDir + "/heartbeat/worker.json"
        try await eventually("the first beat") { FileManager.default.fileExists(atPath: file) }
        let first = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect((try JSONSerialization.jsonObject(with: first) as? [String: Any])?["role"] as? String == "worker")
        try await eventually("a later beat", timeout: .seconds(5)) {
            (try? Data(contentsOf: URL(fileURLWithPath: file))) != first
        }

        try await beat.send(SIGTERM)
        let result = try await beat.wait()
        #expect(result.exitCode == 0 || result.exitCode == 143, "\(result.output)")
    }

    @Test("manual mode with --require-heartbeat ends the wait when the role's heartbeat is missing")
    func requireHeartbeat() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()

        let result = try await runLoop(["run", "--require-heartbeat", "--heartbeat-ttl", "1", "--timeout", "30"], in: repo.path)

        #expect(result.exitCode == 3, "\(result.output)")
        #expect(result.seconds < 20, "took \(result.seconds) s")
        let reason = try #require(try Bus(repo).outcome["reason"] as? String)
        #expect(reason.contains("heartbeat"), "\(reason)")
    }

    @Test("manual mode with --require-heartbeat keeps waiting while `loop heartbeat` runs beside the person")
    func heartbeatKeepsManualWaitAlive() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        let beats = ["worker", "reviewer"].map { role in
            LoopProcess(["heartbeat", "--role", role, "--interval", "1"], in: repo.path)
        }
        let pm = LoopProcess(["run", "--require-heartbeat", "--heartbeat-ttl", "2", "--timeout", "60"], in: repo.path)
        let bus = Bus(repo)
        func dispatchID(_ role: String) -> String {
            let round = (try? bus.rounds)?.last
            return (round?[role] as? [String: Any])?["run_id"] as? String ?? ""
        }
        try await eventually("the PM waits for the worker") { !dispatchID("worker").isEmpty }

        try await Task.sleep(for: .seconds(4))  // twice the ttl: only the heartbeat keeps the wait alive
        #expect(try bus.state["phase"] as? String == "working", "\(pm.outputSoFar)")
        let workdir = try #require(try bus.state["workdir"] as? String)
        try "by hand\n".write(toFile: workdir + "/work.txt", atomically: true, encoding: .utf8)
        try Data(#"{"task_id": "T-1", "round": 1, "run_id": "\#(dispatchID("worker"))", "head_sha": "", "files_changed": [], "tests": [], "notes": ""}"#.utf8)
            .write(to: URL(fileURLWithPath: bus.path("work_report.json")), options: .atomic)
        try await eventually("the PM waits for the reviewer") { !dispatchID("reviewer").isEmpty }
        try Data(#"{"task_id": "T-1", "round": 1, "run_id": "\#(dispatchID("reviewer"))", "decision": "approve", "blocking_issues": [], "non_blocking_suggestions": []}"#.utf8)
            .write(to: URL(fileURLWithPath: bus.path("review_report.json")), options: .atomic)

        let result = try await pm.wait()

        #expect(result.exitCode == 0, "\(result.output)")
        for beat in beats {
            try await beat.send(SIGTERM)
            _ = try await beat.wait()
        }
    }
}
