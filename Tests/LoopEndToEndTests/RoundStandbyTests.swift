#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// The PM starts each round's subprocess ahead of its round (`--standby`): it waits for its
/// round number on stdin, and a PM that ends — cleanly or by kill -9 — leaves none behind.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RoundStandbyTests {
    /// Pids of `loop run --single-round --standby` processes of this bus.
    static func standbys(_ repo: TestRepo) -> [pid_t] {
        let marker = "run\0--single-round\0--standby\0--loop-dir\0"
        return ProcessControl.processes().compactMap { entry in
            guard entry.state != "Z",
                let data = FileManager.default.contents(atPath: "/proc/\(entry.pid)/cmdline")
            else { return nil }
            let line = String(decoding: data, as: UTF8.self)
            return line.contains(marker) && line.contains(repo.loopDir) ? entry.pid : nil
        }
    }

    @Test("while a round works, the next round's process waits; after the run none is left")
    func nextRoundWaits() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        // The worker counts the round processes of its bus: its own round's (started waiting,
        // too) and the next round's, started a few milliseconds after this round began.
        try repo.useAgents(
            worker: """
                sleep 0.5
                n=0
                for f in /proc/[0-9]*/cmdline; do
                    if tr '\\0' ' ' <"$f" 2>/dev/null | grep -q -- "--single-round --standby --loop-dir $LOOP_BUS_DIR"; then
                        n=$((n + 1))
                    fi
                done
                record standby.r$LOOP_ROUND "$n"
                change
                work_report
                """,
            reviewer: AgentScript.rejectUntil(round: 3))
        let bus = Bus(repo)

        let result = try await repo.run()

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try bus.outcome["rounds"] as? Int == 3)
        for round in 1...3 {
            let seen = try String(contentsOfFile: repo.scratchFile("standby.r\(round)"), encoding: .utf8)
            #expect(seen.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "round \(round): \(seen)")
        }
        #expect(Self.standbys(repo).isEmpty, "a waiting round process outlived the PM")
    }

    @Test("kill -9 of the PM alone: the waiting round process sees its stdin close and exits")
    func standbyEndsWithPM() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: AgentScript.hangOnFirstCall(seconds: 120))
        let first = try await repo.start(waitingFor: "ready")
        // This round's process and the next round's, waiting.
        try await eventually("the next round's process waits", timeout: .seconds(10)) { Self.standbys(repo).count == 2 }

        try await first.send(SIGKILL)
        _ = try await first.wait()

        try await eventually("no waiting round process is left", timeout: .seconds(10)) { Self.standbys(repo).isEmpty }
        // The agent runs in its own session and outlives kill -9 of the PM (see ResumeTests).
        for name in ["agent.pid", "grandchild.pid"] {
            if let pid = try? repo.recordedPID(name) { kill(pid, SIGKILL) }
        }
    }

    @Test("`loop run --single-round --standby` whose stdin ends at once exits 0 and writes nothing")
    func dismissedStandbyLeavesNoTrace() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        let before = try FileManager.default.contentsOfDirectory(atPath: repo.loopDir).sorted()

        let result = try await repo.run(["--single-round", "--standby"])

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: repo.loopDir).sorted() == before)
    }
}
