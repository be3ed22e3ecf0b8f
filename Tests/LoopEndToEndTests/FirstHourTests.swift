import Foundation
import LoopCore
import LoopTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 17, "the first hour": each snag a new user hit, reproduced with the real binary.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct FirstHour {
    /// Runs `bash -c script` in `directory` with `environment` added; never throws on a non-zero exit.
    static func bash(_ script: String, in directory: String, environment: [String: String] = [:]) async throws
        -> CaptureResult
    {
        try await ProcessRunner.capture(["/bin/bash", "-c", script], in: directory, environment: environment)
    }

    // MARK: - 1. Install

    @Test("scripts/install puts loop in PREFIX/bin and prints an export line that puts it on PATH")
    func installPutsLoopOnPath() async throws {
        let repo = try await TestRepo.make(git: false, initLoop: false)
        let prefix = repo.root + "/prefix"
        let path = "/usr/bin:/bin"
        let installed = try await Self.bash(
            "\(LoopBinary.packageRoot)/scripts/install \(prefix)", in: repo.path,
            environment: ["LOOP_INSTALL_BINARY": LoopBinary.path, "PATH": path])
        #expect(installed.exitCode == 0, "\(installed.stdout)\(installed.stderr)")
        #expect(FileManager.default.isExecutableFile(atPath: prefix + "/bin/loop"))
        let exportLine = installed.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("export PATH=") }
        let line = try #require(exportLine, "no export line in: \(installed.stdout)")
        // The hint works as printed: after it, a bare `loop` runs the installed copy.
        let used = try await Self.bash(
            "\(line)\ncommand -v loop && loop version", in: repo.path, environment: ["PATH": path])
        #expect(used.exitCode == 0, "\(used.stderr)")
        #expect(used.stdout.hasPrefix(prefix + "/bin/loop"), "\(used.stdout)")

        let onPath = try await Self.bash(
            "\(LoopBinary.packageRoot)/scripts/install \(prefix)", in: repo.path,
            environment: ["LOOP_INSTALL_BINARY": LoopBinary.path, "PATH": "\(prefix)/bin:\(path)"])
        #expect(onPath.exitCode == 0)
        #expect(!onPath.stdout.contains("export PATH="), "\(onPath.stdout)")
    }

    // MARK: - 2. Verbose and the log

    @Test("--verbose shows the agent's output lines with role and round; every run names its log with tail -f")
    func verboseStreamsAgentLines() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: "echo 'hello from the worker'\n" + AgentScript.goodWorker)

        let verbose = try await repo.run(["--verbose"])
        #expect(verbose.exitCode == 0, "\(verbose.output)")
        #expect(verbose.stdout.contains("[worker r1] hello from the worker"), "\(verbose.stdout)")
        let tailLine = verbose.stdout.split(separator: "\n").first { $0.contains("tail -f") }
        let shown = try #require(tailLine.map(String.init), "no tail -f line: \(verbose.stdout)")
        let logPath = String(shown[try #require(shown.range(of: "tail -f "), "").upperBound...])
        #expect(logPath == repo.loopDir + "/logs/T-1/r1_worker.log", "\(shown)")
        #expect(try repo.read(logPath).contains("hello from the worker"))

        let quiet = try await repo.run()
        #expect(quiet.exitCode == 0, "\(quiet.output)")
        #expect(!quiet.stdout.contains("hello from the worker"), "\(quiet.stdout)")
        #expect(quiet.stdout.contains("tail -f \(repo.loopDir)/logs/T-1/r1_worker.log"), "\(quiet.stdout)")
    }

    // MARK: - 3. Config errors

    @Test("a second backends: key names the file, line and column and shows at most three lines of it")
    func duplicateBackendsIsShort() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        let config = try repo.read(".loop/config.yaml")
        let lines = config.split(separator: "\n", omittingEmptySubsequences: false).count
        try repo.write(
            ".loop/config.yaml", config + "backends:\n  my-agent:\n    command: [\"my-agent\"]\n")

        let result = try await repo.loop("config")

        #expect(result.exitCode == 1)
        let errors = result.errorLines
        #expect(errors.first?.contains("config.yaml:\(lines):1: the key 'backends' appears twice") == true, "\(errors)")
        #expect(errors.first?.contains("Keep one 'backends:'") == true, "\(errors)")
        #expect(errors.count <= 4, "\(result.stderr)")
        #expect(!result.stderr.contains("max_rounds"), "the whole config is not printed: \(result.stderr)")
    }

    @Test("loop init's commented example backend becomes a working backend when uncommented")
    func commentedExampleBackend() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        let config = try repo.read(".loop/config.yaml")
        let marker = try #require(config.range(of: "#  my-agent:"), "no commented my-agent in config.yaml")
        let example = config[marker.lowerBound...].split(separator: "\n").map { String($0.dropFirst()) }
        try repo.write(
            ".loop/config.yaml", String(config[..<marker.lowerBound]) + example.joined(separator: "\n") + "\n")

        let result = try await repo.loop("run", "--auto-dispatch", "--worker-backend", "my-agent")

        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("my-agent"), "\(result.stderr)")
        #expect(result.stderr.contains("not on PATH"), "defined, only not installed: \(result.stderr)")
        #expect(!result.stderr.contains("Unknown backend"), "\(result.stderr)")
    }

    // MARK: - 4. One line per problem

    @Test("one backend playing both roles: each problem once, naming both roles, in preflight and health")
    func problemsOncePerBackend() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.write("agents/worker.sh", "#!/bin/sh\nexit 0\n")  // not executable
        try repo.addBackend("mine", command: ["agents/worker.sh"])

        let both = ["LOOP_WORKER_BACKEND": "mine", "LOOP_REVIEWER_BACKEND": "mine"]
        let run = try await runLoop(["run", "--auto-dispatch"], in: repo.path, environment: both)
        let health = try await runLoop(["health"], in: repo.path, environment: both)

        for (name, output) in [("run", run.stderr), ("health", health.stdout)] {
            let hits = output.split(separator: "\n").filter { $0.contains("agents/worker.sh") }
            #expect(hits.count == 1, "\(name): \(output)")
            #expect(hits.first?.contains("worker and reviewer (mine)") == true, "\(name): \(output)")
        }
        #expect(run.exitCode == 1)
        #expect(health.exitCode == 1)
    }

    // MARK: - 5. Cost

    @Test("loop cost leaves out the PM's token-less line of a dispatch the built-in agent itemised")
    func costRowsAddUp() async throws {
        let repo = try await TestRepo.make()
        let lines = [
            #"{"task_id":"T-1","run_id":"R","dispatch_id":"d1","round":1,"role":"worker","backend":"openai","model":"m","prompt_tokens":100,"completion_tokens":10,"wall_s":2.5,"source":"agent"}"#,
            #"{"task_id":"T-1","run_id":"R","dispatch_id":"d1","round":1,"role":"worker","backend":"openai","model":"m","prompt_tokens":50,"completion_tokens":5,"wall_s":1.5,"source":"agent"}"#,
            #"{"task_id":"T-1","run_id":"R","dispatch_id":"d1","round":1,"role":"worker","backend":"openai","wall_s":4.1,"source":"cli"}"#,
            #"{"task_id":"T-1","run_id":"R","dispatch_id":"d2","round":1,"role":"reviewer","backend":"e2e","wall_s":0.5,"source":"cli"}"#,
        ]
        try repo.write(".loop/usage.jsonl", lines.joined(separator: "\n") + "\n")

        let result = try await repo.loop("cost", "--json")

        #expect(result.exitCode == 0, "\(result.output)")
        let document = try JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8))
        let rows = document["rows"]?.arrayValue ?? []
        #expect(rows.count == 2, "\(result.stdout)")
        let worker = rows.first { $0["role"]?.stringValue == "worker" }
        #expect(worker?["model"]?.stringValue == "m")
        #expect(worker?["calls"]?.intValue == 2)
        #expect(worker?["wall_s"] == .number(4.0), "\(result.stdout)")
        #expect(document["total_tokens"]?.intValue == 165)
    }

    @Test("loop cost --task with a task the ledger does not know says so and names the known tasks")
    func costUnknownTask() async throws {
        let repo = try await TestRepo.make()
        try repo.write(
            ".loop/usage.jsonl",
            #"{"task_id":"T-1","run_id":"R","round":1,"role":"worker","backend":"x","wall_s":1,"source":"cli"}"# + "\n")

        let unknown = try await repo.loop("cost", "--task", "nosuch")
        let known = try await repo.loop("cost", "--task", "T-1")

        #expect(unknown.exitCode == 1)
        #expect(unknown.stderr.contains("No agent calls for task 'nosuch'"), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("T-1"), "\(unknown.stderr)")
        #expect(known.exitCode == 0, "\(known.output)")
    }

    // MARK: - 6. Two PMs of one repository

    /// A `git` first on PATH that logs every call and, once, fails `worktree add -b` the way a
    /// second PM's `git worktree prune` makes it fail: after the branch was made.
    static func racingGit(_ repo: TestRepo) throws -> [String: String] {
        let real = try #require(Preflight.findOnPath("git"), "git on PATH")
        let bin = repo.root + "/gitbin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let script = """
            #!/bin/bash
            echo "$*" >>'\(repo.scratch)/git.log'
            if [ "$3" = worktree ] && [ "$4" = add ] && [ "$6" = -b ] && [ ! -f '\(repo.scratch)/raced' ]; then
                : >'\(repo.scratch)/raced'
                '\(real)' -C "$2" branch "$7" "$9"
                echo "fatal: could not open '.git/worktrees/x/locked' for writing: No such file or directory" >&2
                exit 128
            fi
            exec '\(real)' "$@"
            """
        try Data(script.utf8).write(to: URL(fileURLWithPath: bin + "/git"))
        chmod(bin + "/git", 0o755)
        return ["PATH": "\(bin):/usr/local/bin:/usr/bin:/bin"]
    }

    @Test("a worktree add broken by another PM's prune after making the branch is retried; no blanket prune")
    func worktreeAddRace() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        let environment = try Self.racingGit(repo)

        let result = try await repo.run(environment: environment)

        #expect(result.exitCode == 0, "\(result.output)")
        let log = try repo.read(repo.scratchFile("git.log"))
        #expect(log.contains("worktree add --quiet -b loop/T-1"), "\(log)")
        #expect(log.contains("worktree add --quiet \(repo.loopDir)/worktrees/T-1 loop/T-1"), "retried: \(log)")
        #expect(!log.contains("worktree prune"), "\(log)")
    }

    @Test("a task worktree folder deleted by hand is pruned and made again")
    func deletedWorktreeIsRemade() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        #expect(try await repo.run().exitCode == 0)
        try FileManager.default.removeItem(atPath: repo.loopDir + "/worktrees/T-1")

        let again = try await repo.run()

        #expect(again.exitCode == 0, "\(again.output)")
        #expect(FileManager.default.fileExists(atPath: repo.loopDir + "/worktrees/T-1/.git"))
    }

    @Test("hints on a bus other than .loop carry its --loop-dir, so they work as printed")
    func hintsNameTheBus() async throws {
        let repo = try await TestRepo.make(initLoop: false)
        let made = try await repo.loop("init", "--loop-dir", ".bus")
        #expect(made.stdout.contains("then run: loop run --auto-dispatch --loop-dir .bus"), "\(made.stdout)")
        let resume = try await repo.loop("run", "--resume", "--loop-dir", ".bus")
        #expect(resume.stderr.contains("Start a run with `loop run --loop-dir .bus`"), "\(resume.stderr)")
        let plain = try await repo.loop("init")
        #expect(
            plain.stdout.contains("then run: loop run --auto-dispatch\n")
                || plain.stdout.hasSuffix("loop run --auto-dispatch"),
            "\(plain.stdout)")
    }

    // MARK: - 7. Help

    @Test(
        "every --help prints each default once",
        arguments: [
            ["run"], ["init"], ["status"], ["health"], ["heartbeat"], ["archive", "list"], ["archive", "restore"],
            ["config"], ["cost"], ["demo"], ["agent"], ["extract-diff"],
        ])
    func helpDefaultsOnce(_ command: [String]) async throws {
        let repo = try await TestRepo.make(git: false, initLoop: false)
        let result = try await runLoop(command + ["--help"], in: repo.path)
        #expect(result.exitCode == 0, "\(result.output)")
        let help = result.stdout.replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "  +", with: " ", options: .regularExpression)
        #expect(
            help.range(of: #"\(default: [^)]*\) \(default:"#, options: .regularExpression) == nil, "\(result.stdout)")
    }

    @Test("demo --help's discussion is wrapped by hand to fit 80 columns, so the terminal width never re-wraps it")
    func demoHelpWrapsCleanly() async throws {
        let repo = try await TestRepo.make(git: false, initLoop: false)
        let narrow = try await runLoop(["demo", "--help"], in: repo.path, environment: ["COLUMNS": "80"])
        let wide = try await runLoop(["demo", "--help"], in: repo.path, environment: ["COLUMNS": "200"])
        func overview(_ text: String) -> String { text.components(separatedBy: "USAGE:").first ?? "" }
        #expect(overview(narrow.stdout).contains("With --scripted"))
        #expect(overview(narrow.stdout) == overview(wide.stdout), "\(narrow.stdout)")
    }

    // MARK: - 8. Status, archive, health

    @Test("status shows the merge command until the approved commit is merged, then says it is merged")
    func statusAfterMerge() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        let run = try await repo.run()
        #expect(run.exitCode == 0, "\(run.output)")

        let before = try await repo.loop("status")
        let mergeLine = before.stdout.split(separator: "\n").first { $0.hasPrefix("merge:") }
        let command = try #require(mergeLine, "\(before.stdout)").dropFirst("merge:".count)
            .trimmingCharacters(in: .whitespaces)
        // Your branch moved on without the approved commit: still to merge (asked of git).
        let moved = try await Self.bash(
            "echo mine > user-file.txt && git add user-file.txt && git -c user.name=u -c user.email=u@l commit -qm mine",
            in: repo.path)
        #expect(moved.exitCode == 0, "\(moved.stderr)")
        let stillToMerge = try await repo.loop("status")
        #expect(stillToMerge.stdout.contains("merge:"), "\(stillToMerge.stdout)")
        let merged = try await Self.bash(
            "git -c user.name=u -c user.email=u@l " + command.dropFirst("git ".count), in: repo.path)
        #expect(merged.exitCode == 0, "\(merged.stderr)")
        let after = try await repo.loop("status")

        #expect(!after.stdout.contains("merge:"), "\(after.stdout)")
        #expect(after.stdout.contains("is already in your branch"), "\(after.stdout)")
    }

    @Test("archive restore says what it put back")
    func archiveRestoreSaysWhat() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        #expect(try await repo.run().exitCode == 0)
        let result = try await repo.loop("archive", "restore", "T-1", "--round", "1")
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(result.stdout.contains("put back"), "\(result.stdout)")
        #expect(result.stdout.contains("of round 1 of run"), "\(result.stdout)")
    }

    @Test("health calls an old heartbeat nobody needs 'not running', with a human age, and still ok")
    func healthWordsMatch() async throws {
        let repo = try await TestRepo.make()
        try repo.write(".loop/heartbeat/worker.json", #"{"role": "worker"}"#)
        var times = [timeval(tv_sec: time(nil) - 900, tv_usec: 0), timeval(tv_sec: time(nil) - 900, tv_usec: 0)]
        #expect(utimes(repo.absolute(".loop/heartbeat/worker.json"), &times) == 0)

        let result = try await repo.loop("health")

        let line = result.stdout.split(separator: "\n").first { $0.contains("heartbeat.worker") } ?? ""
        #expect(line.hasPrefix("ok"), "\(result.stdout)")
        #expect(line.contains("not running: last beat 15 min ago"), "\(result.stdout)")
        #expect(!line.contains("stale"), "\(result.stdout)")
    }

    @Test("an invalid task card names the line and column of the first syntax error")
    func cardSyntaxErrorHasPosition() async throws {
        let repo = try await TestRepo.make()
        try repo.useAgents()
        try repo.write(".loop/task_card.json", "{\n  \"task_id\": \"T-1\",\n  'goal': \"g\"\n}\n")

        let result = try await repo.run()

        #expect(result.exitCode == 1)
        #expect(result.errorLines.count == 1, "\(result.stderr)")
        #expect(
            result.stderr.contains(
                "task_card.json is not valid: not valid JSON at line 3, column 3: expected a field name in double quotes"
            ), "\(result.stderr)")
    }

    @Test("loop demo removes its temporary folder when preflight refuses to start")
    func demoCleansUpAfterRefusal() async throws {
        let repo = try await TestRepo.make(git: false, initLoop: false)
        let temporary = repo.root + "/tmp"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)

        // --max-rounds 0 gets past argument parsing and is refused by the run's preflight.
        let result = try await runLoop(
            ["demo", "--scripted", "--max-rounds", "0"], in: repo.path, environment: ["TMPDIR": temporary + "/"])

        #expect(result.exitCode == 1, "\(result.output)")
        #expect(result.stderr.contains("Preflight found"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary).isEmpty, "\(result.output)")
    }

    // MARK: - 9. Review request and fix list for command agents

    @Test("the reviewer gets {review_request} and LOOP_REVIEW_REQUEST, the round-2 worker {fix_list} and LOOP_FIX_LIST")
    func reviewRequestAndFixList() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        let worker = try repo.agent(
            "worker",
            """
            record "worker_r${LOOP_ROUND}_arg" "${1:-none}"
            record "worker_r${LOOP_ROUND}_env" "${LOOP_FIX_LIST:-unset}"
            change
            work_report
            """)
        let reviewer = try repo.agent(
            "reviewer",
            """
            record "reviewer_r${LOOP_ROUND}_arg" "$1"
            [ -f "$LOOP_REVIEW_REQUEST" ] && record "reviewer_r${LOOP_ROUND}_env" "$LOOP_REVIEW_REQUEST"
            \(AgentScript.rejectOnceThenApprove(marker: "needs another line"))
            """)
        try repo.addBackend(TestRepo.workerBackend, command: [worker, "{fix_list}"])
        try repo.addBackend(TestRepo.reviewerBackend, command: [reviewer, "{review_request}"])

        let result = try await repo.run()

        #expect(result.exitCode == 0, "\(result.output)")
        let request = repo.loopDir + "/review_request.json"
        let fixList = repo.loopDir + "/fix_list.json"
        func note(_ name: String) -> String { (try? repo.read(repo.scratchFile(name))) ?? "missing" }
        #expect(note("reviewer_r1_arg") == request + "\n")
        #expect(note("reviewer_r1_env") == request + "\n")
        #expect(note("worker_r1_arg") == "none\n", "no fix list in round 1: an empty argument")
        #expect(note("worker_r1_env") == "unset\n")
        #expect(note("worker_r2_arg") == fixList + "\n")
        #expect(note("worker_r2_env") == fixList + "\n")
    }
}
