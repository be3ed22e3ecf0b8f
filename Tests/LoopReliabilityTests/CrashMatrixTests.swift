import Foundation
import LoopCore
import LoopTestSupport
import Testing

extension Reliability {
    /// Issue item 1: a SIGKILL at any bus write or state transition loses nothing.
    ///
    /// `LOOP_TESTING=1 LOOP_FAULT=<point>[:<file>][@<n>]` makes a `loop` process kill itself
    /// the n-th time it reaches the point; every process (outer PM and each round subprocess)
    /// counts on its own. After the crash, the run is continued as a user would (`--resume`)
    /// and audited against a clean run of the same scenario.
    @Suite(.serialized, .timeLimit(.minutes(5)))
    struct CrashMatrix {
        static let writePoints = ["write.before_temp", "write.after_temp", "write.after_rename"]
        static let namedFiles = ["state.json", "review_request.json", "fix_list.json", "outcome.json", "verify.json"]

        /// Every `state.<event>` point, with the scenario that reaches it.
        static let events: [(String, CrashScenario)] = [
            ("round_started", .twoRounds), ("dispatch_started", .twoRounds), ("dispatch_finished", .twoRounds),
            ("worker_finished", .twoRounds), ("verify_finished", .twoRounds), ("round_decided", .twoRounds),
            ("round_finished", .twoRounds), ("run_approved", .twoRounds), ("run_exhausted", .exhausted),
            ("limit_wait", .usageLimit), ("limit_wait_over", .usageLimit),
        ]

        /// The subset `swift test` runs: one point per kind of step.
        static let sampled: [CrashCase] = [
            CrashCase("state.worker_finished"), CrashCase("state.round_decided"),
            CrashCase("write.after_temp:state.json@3"), CrashCase("write.before_temp:review_request.json"),
            CrashCase("write.after_rename:fix_list.json"), CrashCase("write.after_rename:outcome.json"),
            CrashCase("write.after_rename:work_report.json", .pmMadeReport),
        ]

        struct CrashCase: Sendable, CustomTestStringConvertible {
            var spec: String
            var scenario: CrashScenario
            init(_ spec: String, _ scenario: CrashScenario = .twoRounds) {
                self.spec = spec
                self.scenario = scenario
            }
            var testDescription: String { "\(spec) [\(scenario.rawValue)]" }
        }

        /// Product bugs the matrix finds that are reported but not fixed yet, each with its own
        /// disabled repro test: a problem matching one is a known issue (it does not fail the
        /// matrix, the report shows it); once fixed, the entry goes and the repro is enabled.
        static let knownBugs: [(signature: String, bug: String)] = [
            // None open: the five the matrix found are fixed on main; their repros below guard them.
        ]

        /// Runs, records and checks one case.
        @discardableResult
        static func check(_ spec: String, _ scenario: CrashScenario, sweep: String) async throws -> CrashRun {
            let run = try await CrashRun.execute(spec: spec, scenario: scenario)
            let known = run.problems.compactMap { problem in knownBugs.first { problem.contains($0.signature) }?.bug }
            let unknown = run.problems.filter { problem in !knownBugs.contains { problem.contains($0.signature) } }
            var fields = run.record
            fields.put("sweep", sweep)
            fields.put("known_bugs", Array(Set(known)).sorted())
            Recorder.record(suite: "crash", name: "\(spec) [\(scenario.rawValue)]", passed: run.passed, fields)
            #expect(unknown.isEmpty, "\(spec) [\(scenario.rawValue)] faulted exit \(run.faultedExit): \(unknown)")
            for bug in Set(known) {
                withKnownIssue("bug: \(bug)") { Issue.record("\(spec): \(run.problems)") }
            }
            return run
        }

        /// Sweeps `point@1`, `point@2`, … until two runs in a row end as a clean run does
        /// (no process reaches the n-th occurrence any more), or `cap`.
        static func sweep(_ point: String, _ scenario: CrashScenario, cap: Int, name: String) async throws {
            var quiet = 0
            var n = 1
            while n <= cap, quiet < 2 {
                let run = try await check("\(point)@\(n)", scenario, sweep: name)
                quiet = run.fired ? 0 : quiet + 1
                n += 1
            }
        }

        @Test("a crash at a sampled bus write or transition: --resume finishes approved, nothing torn, lost or doubled",
              .enabled(if: !Matrix.isFull), arguments: sampled)
        func sampledPoint(_ point: CrashCase) async throws {
            try await Self.check(point.spec, point.scenario, sweep: "sampled")
        }

        @Test("a crash at the n-th atomic write of any process, for every n: the run finishes approved after --resume",
              .enabled(if: Matrix.isFull), arguments: writePoints)
        func everyAtomicWrite(_ point: String) async throws {
            try await Self.sweep(point, .twoRounds, cap: 80, name: "every write")
        }

        @Test("a crash at the n-th write of each named bus file: the run finishes approved after --resume",
              .enabled(if: Matrix.isFull), arguments: writePoints)
        func everyNamedFile(_ point: String) async throws {
            for file in Self.namedFiles {
                // Every write of every file is reached by `everyAtomicWrite`; here the first few of each by name.
                try await Self.sweep("\(point):\(file)", .twoRounds, cap: 4, name: "named file")
            }
            try await Self.sweep("\(point):work_report.json", .pmMadeReport, cap: 4, name: "named file")
        }

        @Test("a crash right after each state transition is saved: the run finishes approved after --resume",
              .enabled(if: Matrix.isFull), arguments: events.map { CrashCase("state.\($0.0)", $0.1) })
        func everyTransition(_ point: CrashCase) async throws {
            try await Self.sweep(point.spec, point.scenario, cap: 4, name: "transition")
        }

        // MARK: - Bugs the matrix found, one precise repro each

        /// Regression — a bug this suite found (fixed on main): after a crash while writing outcome.json, --resume says 'already approved' and never writes or archives outcome.json

        @Test("a PM killed while writing outcome.json at the end: --resume writes outcome.json and archives it")
        func outcomeRewrittenAfterCrash() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try CrashScenario.twoRounds.setUp(box)
            let faulted = try await box.run(environment: ["LOOP_TESTING": "1", "LOOP_FAULT": "write.before_temp:outcome.json"])
            #expect(faulted.exitCode == 137)
            let resumed = try await box.loop(["run", "--resume"])
            let audit = Bus(box)
            let runID = audit.runID ?? ""
            #expect(resumed.exitCode == 0, "\(resumed.output)")
            #expect((try? audit.outcome)?["result"] as? String == "approved", "no outcome.json after --resume")
            #expect(audit.exists("archive/T-1/\(runID)/r2_outcome.json"), "r2_outcome.json not archived")
            #expect(try audit.eventNames.last == "run_finished")
        }

        /// Regression — a bug this suite found (fixed on main): a crash right after the preflight probe write leaves .loop/.write-probe-<pid>; no run ever removes it

        @Test("a PM killed at its preflight write probe leaves no .write-probe file behind")
        func writeProbeSwept() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try CrashScenario.twoRounds.setUp(box)
            let faulted = try await box.run(environment: ["LOOP_TESTING": "1", "LOOP_FAULT": "write.after_rename@1"])
            #expect(faulted.exitCode == 137)
            let again = try await box.run()
            #expect(again.exitCode == 0, "\(again.output)")
            let audit = Bus(box)
            #expect(audit.tempLeftovers().isEmpty, "\(audit.tempLeftovers())")
        }

        /// Regression — a bug this suite found (fixed on main): sweepStaleTemps only sweeps the bus root; .<name>.tmp-<pid>-<n> files in archive/, heartbeat/ and run/ stay forever

        @Test("temp files a killed PM left in archive/ and heartbeat/ are swept by the next run")
        func nestedTempsSwept() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try CrashScenario.twoRounds.setUp(box)
            // The round subprocess's first archive write (r1_task_card.json) is killed before its rename.
            let faulted = try await box.run(environment: ["LOOP_TESTING": "1", "LOOP_FAULT": "write.after_temp:r1_task_card.json"])
            #expect(faulted.exitCode != 0)
            let audit = Bus(box)
            #expect(!audit.tempLeftovers().isEmpty, "the fault left no temp file; the repro is wrong")
            let resumed = try await box.loop(["run", "--resume"])
            #expect(resumed.exitCode == 0, "\(resumed.output)")
            #expect(audit.tempLeftovers().isEmpty, "\(audit.tempLeftovers())")
        }

        /// Regression — a bug this suite found (fixed on main): after a crash right after outcome.json's rename, --resume found it valid, said 'already approved' and never archived it (no r2_outcome.json, no run_finished)
        @Test("a PM killed right after outcome.json is renamed into place: --resume archives it (r2_outcome.json) and ends the run")
        func outcomeArchivedAfterCrashAfterRename() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try CrashScenario.twoRounds.setUp(box)
            let faulted = try await box.run(environment: ["LOOP_TESTING": "1", "LOOP_FAULT": "write.after_rename:outcome.json"])
            #expect(faulted.exitCode == 137)
            let resumed = try await box.loop(["run", "--resume"])
            let audit = Bus(box)
            let runID = audit.runID ?? ""
            #expect(resumed.exitCode == 0, "\(resumed.output)")
            #expect(audit.exists("archive/T-1/\(runID)/r2_outcome.json"), "r2_outcome.json not archived")
            let eventNames = try audit.eventNames
            #expect(eventNames.last == "run_finished", "\(eventNames.suffix(3))")
        }

        /// Regression — a bug this suite found (fixed on main): a crash in the run-start card snapshot left archive/<task>/<dead run>/.task_card.json.tmp-<pid>-<n>; the next run (a new run id) never swept it
        @Test("a PM killed while snapshotting the task card, before state.json exists: the next run sweeps its temp file")
        func deadRunSnapshotTempSwept() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try CrashScenario.twoRounds.setUp(box)
            let faulted = try await box.run(environment: ["LOOP_TESTING": "1", "LOOP_FAULT": "write.after_temp:task_card.json"])
            #expect(faulted.exitCode == 137)
            let audit = Bus(box)
            #expect(!audit.exists("state.json"), "the fault hit later than the run-start snapshot; the repro is wrong")
            #expect(!audit.tempLeftovers().isEmpty, "the fault left no temp file; the repro is wrong")
            let again = try await box.run()
            #expect(again.exitCode == 0, "\(again.output)")
            #expect(audit.tempLeftovers().isEmpty, "\(audit.tempLeftovers())")
        }
    }
}
