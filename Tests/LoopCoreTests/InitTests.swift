import Foundation
import LoopCore
import Testing
import Yams

/// A temp folder per test, removed when the test ends.
private struct Scratch: ~Copyable {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/loop-init-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: "\(path)/\(relative)", encoding: .utf8)
    }
}

/// Runs a program to completion; returns exit code and combined output.
private func run(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> (
    status: Int32, output: String
) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite struct InitTests {
    static let runtimeFiles = [
        "state.json", "outcome.json", "events.jsonl", "usage.jsonl", "lock", "fix_list.json", "work_report.json",
        "review_request.json", "review_report.json", "heartbeat/", "archive/", "logs/", "worktrees/", "run/",
        ".*.tmp-*",
    ]
    static let builtInBackends: Set<String> = ["codex", "claude", "opencode", "gemini", "aider", "mini"]
    static let skeletonPaths: Set<String> = [
        ".gitignore", "README.md", "config.yaml", "templates/worker_prompt.txt", "templates/reviewer_prompt.txt",
        "examples/task_card.json",
    ]

    // MARK: - Installing

    @Test("a fresh init creates every skeleton file with the embedded content")
    func freshInitCreatesEverything() throws {
        let scratch = try Scratch()
        let loopDir = "\(scratch.path)/.loop"
        let results = try SkeletonInstaller(loopDir: loopDir).install()
        #expect(Set(results.map(\.relativePath)) == InitTests.skeletonPaths)
        #expect(results.allSatisfy { $0.action == .created })
        for file in SkeletonInstaller.files {
            #expect(try scratch.read(".loop/\(file.relativePath)") == file.contents)
        }
        #expect(try scratch.read(".loop/templates/worker_prompt.txt") == EmbeddedTemplates.workerPrompt)
        #expect(try scratch.read(".loop/examples/task_card.json") == EmbeddedFiles.all["examples/task_card.json"])
    }

    @Test("a second init changes nothing and reports every file unchanged")
    func secondInitIsIdempotent() throws {
        let scratch = try Scratch()
        let loopDir = "\(scratch.path)/.loop"
        _ = try SkeletonInstaller(loopDir: loopDir).install()
        let before = try FileManager.default.subpathsOfDirectory(atPath: loopDir).sorted()
        let results = try SkeletonInstaller(loopDir: loopDir).install()
        #expect(results.allSatisfy { $0.action == .unchanged })
        #expect(try FileManager.default.subpathsOfDirectory(atPath: loopDir).sorted() == before)
        let forced = try SkeletonInstaller(loopDir: loopDir, force: true).install()
        #expect(forced.allSatisfy { $0.action == .unchanged && $0.backupPath == nil })
        #expect(try FileManager.default.subpathsOfDirectory(atPath: loopDir).sorted() == before)
    }

    @Test("an edited config.yaml is kept without --force and replaced with a backup with --force")
    func editedFileIsKeptOrBackedUp() throws {
        let scratch = try Scratch()
        let loopDir = "\(scratch.path)/.loop"
        _ = try SkeletonInstaller(loopDir: loopDir).install()
        let edited = "max_rounds: 7\nworker_backend: my-agent\n"
        try edited.write(toFile: "\(loopDir)/config.yaml", atomically: true, encoding: .utf8)

        let kept = try SkeletonInstaller(loopDir: loopDir).install()
        #expect(kept.first { $0.relativePath == "config.yaml" }?.action == .kept)
        #expect(kept.filter { $0.relativePath != "config.yaml" }.allSatisfy { $0.action == .unchanged })
        #expect(try scratch.read(".loop/config.yaml") == edited)

        let moment = Date(timeIntervalSince1970: 1_800_000_000)
        let replaced = try SkeletonInstaller(loopDir: loopDir, force: true).install(now: moment)
        let config = try #require(replaced.first { $0.relativePath == "config.yaml" })
        #expect(config.action == .replaced)
        #expect(try scratch.read(".loop/config.yaml") == EmbeddedFiles.all[".loop-skeleton/config.yaml"])
        let backup = try #require(config.backupPath)
        #expect(backup == "\(loopDir)/config.yaml.bak-20270115T080000Z")
        #expect(try String(contentsOfFile: backup, encoding: .utf8) == edited)

        // A second forced replace in the same second keeps the first backup.
        try "max_rounds: 8\n".write(toFile: "\(loopDir)/config.yaml", atomically: true, encoding: .utf8)
        let again = try SkeletonInstaller(loopDir: loopDir, force: true).install(now: moment)
        let secondBackup = try #require(again.first { $0.relativePath == "config.yaml" }?.backupPath)
        #expect(secondBackup == "\(backup)-2")
        #expect(try String(contentsOfFile: backup, encoding: .utf8) == edited)
        #expect(try String(contentsOfFile: secondBackup, encoding: .utf8) == "max_rounds: 8\n")
    }

    @Test("a folder where a skeleton file belongs is a clear error, not a crash")
    func folderInTheWayFails() throws {
        let scratch = try Scratch()
        let loopDir = "\(scratch.path)/.loop"
        try FileManager.default.createDirectory(atPath: "\(loopDir)/README.md", withIntermediateDirectories: true)
        #expect {
            try SkeletonInstaller(loopDir: loopDir).install()
        } throws: { error in
            guard let error = error as? LoopError else { return false }
            return error.exitCode == .configError && (error.errorDescription ?? "").contains("README.md is a folder")
        }
    }

    @Test("a deleted file is restored and the other files are left alone")
    func deletedFileIsRestored() throws {
        let scratch = try Scratch()
        let loopDir = "\(scratch.path)/.loop"
        _ = try SkeletonInstaller(loopDir: loopDir).install()
        try FileManager.default.removeItem(atPath: "\(loopDir)/templates/reviewer_prompt.txt")
        let results = try SkeletonInstaller(loopDir: loopDir).install()
        #expect(results.filter { $0.action == .created }.map(\.relativePath) == ["templates/reviewer_prompt.txt"])
        #expect(try scratch.read(".loop/templates/reviewer_prompt.txt") == EmbeddedTemplates.reviewerPrompt)
    }

    // MARK: - .gitignore

    @Test(".gitignore lists every runtime file")
    func gitignoreListsRuntimeFiles() throws {
        let text = try #require(EmbeddedFiles.all[".loop-skeleton/.gitignore"])
        let patterns = Set(text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") })
        for file in InitTests.runtimeFiles {
            #expect(patterns.contains(file), "\(file) is not ignored")
        }
        for kept in ["config.yaml", "templates/", "task_card.json", "examples/", "README.md"] {
            #expect(!patterns.contains(kept), "\(kept) must stay trackable")
        }
    }

    @Test("ensureGitignore creates a missing .gitignore and never touches an existing one")
    func ensureGitignore() throws {
        let scratch = try Scratch()
        let loopDir = "\(scratch.path)/bus"
        #expect(try SkeletonInstaller.ensureGitignore(loopDir: loopDir))
        #expect(try scratch.read("bus/.gitignore") == EmbeddedFiles.all[".loop-skeleton/.gitignore"])
        try "mine\n".write(toFile: "\(loopDir)/.gitignore", atomically: true, encoding: .utf8)
        #expect(try SkeletonInstaller.ensureGitignore(loopDir: loopDir) == false)
        #expect(try scratch.read("bus/.gitignore") == "mine\n")
    }

    // MARK: - config.yaml

    static var configYAML: String { EmbeddedFiles.all[".loop-skeleton/config.yaml"] ?? "" }

    @Test("config.yaml decodes into RunOptions with every documented default")
    func configDecodesToDefaults() throws {
        let options = try YAMLDecoder().decode(RunOptions.self, from: InitTests.configYAML)
        #expect(options == RunOptions())
        #expect(options.maxRounds == 3)
        #expect(options.timeout == 0)
        #expect(options.autoDispatch == false)
        #expect(options.workerBackend == "codex")
        #expect(options.reviewerBackend == "claude")
        #expect(options.workerModel == nil)
        #expect(options.reviewerModel == nil)
        #expect(options.dispatchTimeout == 600)
        #expect(options.dispatchRetries == 2)
        #expect(options.dispatchRetryBaseSec == 5)
        #expect(options.artifactTimeout == 90)
        #expect(options.idleTimeout == 300)
        #expect(options.requireHeartbeat == false)
        #expect(options.heartbeatTTL == 30)
        #expect(options.verifyTimeout == 600)
        #expect(options.waitOnLimit == true)
        #expect(options.limitWaitMax == 21600)
        #expect(options.maxStalledRounds == 2)
    }

    @Test("every run option is written out (not left to the decoder's defaults)")
    func configWritesEveryOptionExplicitly() throws {
        let top = try #require(try Yams.load(yaml: InitTests.configYAML) as? [String: Any])
        let written: Set<String> = [
            "max_rounds", "timeout", "auto_dispatch", "worker_backend", "reviewer_backend", "dispatch_timeout",
            "dispatch_retries", "dispatch_retry_base_sec", "artifact_timeout", "idle_timeout", "require_heartbeat",
            "heartbeat_ttl", "verify_timeout", "wait_on_limit", "limit_wait_max", "max_stalled_rounds", "backends",
        ]
        #expect(Set(top.keys) == written)
        for commented in ["# worker_model:", "# reviewer_model:"] {
            #expect(InitTests.configYAML.contains("\n\(commented)"), "\(commented) is documented")
        }
    }

    @Test("backends parses as a mapping of every built-in, each a no-op until edited")
    func backendsParseAsMapping() throws {
        struct Config: Decodable { var backends: [String: BackendConfig] }
        let config = try YAMLDecoder().decode(Config.self, from: InitTests.configYAML)
        #expect(Set(config.backends.keys) == InitTests.builtInBackends)
        for (name, backend) in config.backends {
            #expect(backend == BackendConfig(), "\(name) must change nothing until the user edits it")
        }
    }

    @Test("uncommenting the documented backend keys gives a valid config with every key spelled right")
    func uncommentedBackendsDecode() throws {
        // Uncomment what a user would: the per-built-in keys and the my-agent example.
        var lines: [String] = []
        var inBackends = false
        for line in InitTests.configYAML.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("backends:") { inBackends = true }
            if line.hasPrefix("# worker_model:") || line.hasPrefix("# reviewer_model:") {
                lines.append(String(line.dropFirst(2)))
            } else if inBackends, line.hasPrefix("    # ") {
                lines.append("    " + line.dropFirst(6))
            } else if inBackends, line.hasPrefix("#  ") {
                lines.append(String(line.dropFirst()))
            } else {
                lines.append(line)
            }
        }
        let yaml = lines.joined(separator: "\n")
        let options = try YAMLDecoder().decode(RunOptions.self, from: yaml)
        #expect(options.workerModel != nil && options.reviewerModel != nil)

        struct Config: Decodable { var backends: [String: BackendConfig] }
        let backends = try YAMLDecoder().decode(Config.self, from: yaml).backends
        #expect(Set(backends.keys) == InitTests.builtInBackends.union(["my-agent"]))
        for name in InitTests.builtInBackends {
            let backend = try #require(backends[name])
            #expect(backend.program == name)
            #expect(backend.args == [])
            #expect(backend.env == [:])
            #expect(backend.command == nil)
        }
        let custom = try #require(backends["my-agent"])
        #expect(custom.command == ["my-agent", "--prompt-file", "{prompt_file}", "--cwd", "{workdir}"])
        #expect(custom.promptVia == "file")
        #expect(custom.writesReport == true)
        #expect(custom.rateLimitPattern == "rate limit|429")
        #expect(custom.env == ["MY_AGENT_MODE": "ci"])
        #expect(custom.parser == "text")
        #expect(custom.installHint != nil)
    }

    @Test("config.yaml documents every command placeholder and its LOOP_* variable")
    func configDocumentsPlaceholders() {
        let text = InitTests.configYAML
        for placeholder in [
            "prompt_file", "prompt", "workdir", "report_path", "role", "round", "task_id", "run_id", "bus_dir",
        ] {
            #expect(text.contains("{\(placeholder)}"), "{\(placeholder)} is documented")
        }
        for variable in [
            "LOOP_PROMPT_FILE", "LOOP_WORKDIR", "LOOP_REPORT_PATH", "LOOP_ROLE", "LOOP_ROUND", "LOOP_TASK_ID",
            "LOOP_RUN_ID", "LOOP_BUS_DIR",
        ] {
            #expect(text.contains(variable), "\(variable) is documented")
        }
    }

    // MARK: - Templates

    @Test("the prompt templates start with the loop-kit-compatible first lines")
    func templateFirstLines() {
        let worker = EmbeddedTemplates.workerPrompt.split(separator: "\n", maxSplits: 1).first.map(String.init)
        #expect(
            worker
                == "Role: code-writer worker for PM loop. "
                + "Current task_id: {task_id}, round: {round_num}, run_id: {run_id}. "
                + "Execute the contract below and only finish after writing {work_report_path}.")
        let reviewer = EmbeddedTemplates.reviewerPrompt.split(separator: "\n", maxSplits: 1).first.map(String.init)
        #expect(
            reviewer
                == "Role: reviewer for PM loop. "
                + "Current task_id: {task_id}, round: {round_num}, run_id: {run_id}. "
                + "Review the change and only finish after writing {review_report_path}.")
    }

    static let workerPlaceholders: Set<String> = [
        "task_id", "round_num", "run_id", "agents_md", "role_md", "task_card_section", "prior_context_section",
        "fix_list_section", "verify_section", "work_report_path", "workdir", "bus_dir",
    ]
    static let reviewerPlaceholders: Set<String> = [
        "task_id", "round_num", "run_id", "agents_md", "role_md", "task_card_section", "prior_context_section",
        "fix_list_section", "verify_section", "diff_section", "review_request_path", "review_report_path", "workdir",
        "bus_dir",
    ]

    /// Every `{identifier}` in a template.
    static func placeholders(in template: String) -> Set<String> {
        let regex = /\{([a-z_]+)\}/
        return Set(template.matches(of: regex).map { String($0.output.1) })
    }

    @Test("templates use every section placeholder and no unknown one")
    func templatePlaceholders() {
        #expect(InitTests.placeholders(in: EmbeddedTemplates.workerPrompt) == InitTests.workerPlaceholders)
        #expect(InitTests.placeholders(in: EmbeddedTemplates.reviewerPrompt) == InitTests.reviewerPlaceholders)
    }

    @Test("no template or role text mentions loop-kit's own project (its defect D13)")
    func noLoopKitLeak() {
        let texts = [
            EmbeddedTemplates.workerPrompt, EmbeddedTemplates.reviewerPrompt, EmbeddedTemplates.agentsFallback,
            EmbeddedTemplates.codeWriterRole, EmbeddedTemplates.reviewerRole,
        ]
        for text in texts {
            for leak in ["loop_kit", "orchestrator.py", "uv run", "pytest", "ruff"] {
                #expect(!text.contains(leak), "\(leak) leaked into a template")
            }
        }
    }

    // MARK: - Task cards

    @Test(
        "the example task cards load with TaskCard.load",
        arguments: ["examples/task_card.json", "examples/hello/task_card.json"])
    func exampleCardsLoad(path: String) throws {
        let scratch = try Scratch()
        let file = "\(scratch.path)/card.json"
        try #require(EmbeddedFiles.all[path]).write(toFile: file, atomically: true, encoding: .utf8)
        let card = try TaskCard.load(from: file)
        #expect(!card.goal.isEmpty)
        #expect(!card.acceptanceCriteria.isEmpty)
        #expect(!card.verify.isEmpty)
        #expect(card.maxRounds == 3)
    }

    @Test("the hello card's verify runs its test, which fails on the unfinished project")
    func helloVerifyFailsBeforeTheChange() throws {
        let scratch = try Scratch()
        try EmbeddedFiles.write(under: "examples/hello", to: scratch.path)
        let card = try TaskCard.load(from: "\(scratch.path)/task_card.json")
        #expect(card.verify == ["bash test.sh"])
        #expect(FileManager.default.isExecutableFile(atPath: "\(scratch.path)/test.sh"))
        let result = try run(["bash", "-c", card.verify.joined(separator: " && ")], in: scratch.path)
        #expect(result.status != 0, "the example must have work to do: \(result.output)")
    }
}

// MARK: - Scripted example agents

extension InitTests {
    /// A temp git repository made from examples/hello, the scripted agents and a bus folder.
    private struct AgentBench {
        let repo: String
        let bus: String
        let bin: String
        /// A private HOME and no system config, so the user's git settings cannot leak in.
        let gitEnvironment: [String: String]

        init(in scratch: borrowing Scratch) throws {
            repo = "\(scratch.path)/repo"
            bus = "\(scratch.path)/bus"
            bin = "\(scratch.path)/bin"
            let home = "\(scratch.path)/home"
            for folder in [bus, home] {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            gitEnvironment = ["HOME": home, "XDG_CONFIG_HOME": "\(home)/.config", "GIT_CONFIG_NOSYSTEM": "1"]
            try EmbeddedFiles.write(under: "examples/hello", to: repo)
            try EmbeddedFiles.write(under: "examples/agents", to: bin)
            try git(["init", "-q"])
            try git(["add", "-A"])
            try git(["-c", "user.name=Test", "-c", "user.email=test@example.invalid", "commit", "-q", "-m", "hello"])
        }

        @discardableResult
        func git(_ arguments: [String]) throws -> String {
            let result = try run(["git"] + arguments, in: repo, environment: gitEnvironment)
            try #require(result.status == 0, "git \(arguments.joined(separator: " ")): \(result.output)")
            return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Runs a scripted agent with the LOOP_* environment loop gives every agent.
        func agent(_ role: Role, round: Int, runID: String) throws -> (status: Int32, output: String) {
            let script = role == .worker ? "scripted-worker" : "scripted-reviewer"
            var environment = gitEnvironment
            environment["LOOP_ROLE"] = role.rawValue
            environment["LOOP_RUN_ID"] = runID
            environment["LOOP_ROUND"] = String(round)
            environment["LOOP_TASK_ID"] = "hello-greet"
            environment["LOOP_WORKDIR"] = repo
            environment["LOOP_REPORT_PATH"] = "\(bus)/\(role.reportFileName)"
            environment["LOOP_BUS_DIR"] = bus
            return try run(["\(bin)/\(script)"], in: bin, environment: environment)
        }

        func workReport() throws -> WorkReport {
            try WorkReport(reader: FieldReader.load("\(bus)/\(BusPaths.workReport)", missingHint: "worker wrote none"))
        }

        func reviewReport() throws -> ReviewReport {
            try ReviewReport(
                reader: FieldReader.load("\(bus)/\(BusPaths.reviewReport)", missingHint: "reviewer wrote none"))
        }

        /// A hand-written review request with the PM's verification result.
        func writeReviewRequest(base: String, head: String, round: Int, runID: String, verifyPassed: Bool) throws {
            let request = """
                {"task_id": "hello-greet", "round": \(round), "run_id": "\(runID)", "base_sha": "\(base)",
                 "head_sha": "\(head)", "files_changed": ["greet.sh"],
                 "verification": [{"command": "bash test.sh", "passed": \(verifyPassed),
                                   "exit_code": \(verifyPassed ? 0 : 1)}]}
                """
            try AtomicFile.write(request, to: "\(bus)/\(BusPaths.reviewRequest)")
        }
    }

    @Test(
        "scripted agents: the worker commits and reports, the reviewer rejects round 1 and approves round 2",
        .timeLimit(.minutes(1)))
    func scriptedAgentsPlayTwoRounds() throws {
        let scratch = try Scratch()
        let bench = try AgentBench(in: scratch)
        let base = try bench.git(["rev-parse", "HEAD"])

        // Round 1: an incomplete change, committed and reported honestly.
        let worker1 = try bench.agent(.worker, round: 1, runID: "run-r1")
        try #require(worker1.status == 0, "\(worker1.output)")
        let work1 = try bench.workReport()
        let head1 = try bench.git(["rev-parse", "HEAD"])
        #expect(work1.taskID == "hello-greet" && work1.round == 1 && work1.runID == "run-r1")
        #expect(work1.headSHA == head1 && head1 != base)
        #expect(work1.filesChanged == ["greet.sh"])
        #expect(work1.tests.map(\.result) == ["fail"])
        #expect(try bench.git(["rev-list", "--count", "HEAD"]) == "2")
        #expect(try bench.git(["status", "--porcelain"]) == "")

        try bench.writeReviewRequest(base: base, head: head1, round: 1, runID: "run-r1-review", verifyPassed: false)
        let reviewer1 = try bench.agent(.reviewer, round: 1, runID: "run-r1-review")
        try #require(reviewer1.status == 0, "\(reviewer1.output)")
        let review1 = try bench.reviewReport()
        #expect(review1.taskID == "hello-greet" && review1.round == 1 && review1.runID == "run-r1-review")
        #expect(review1.decision == .changesRequired)
        let issue = try #require(review1.blockingIssues.first)
        #expect(issue.file == "greet.sh" && issue.requiredChange != nil)
        #expect(try bench.git(["rev-parse", "HEAD"]) == head1, "the reviewer must not commit")
        #expect(try bench.git(["status", "--porcelain"]) == "", "the reviewer must not change files")

        // Round 2: the fix list is there, so the worker completes the change.
        let fixList = """
            {"task_id": "hello-greet", "round": 2, "fixes": [{"severity": "high", "file": "greet.sh",
             "reason": "\(issue.reason.replacingOccurrences(of: "\"", with: "\\\""))"}]}
            """
        try AtomicFile.write(fixList, to: "\(bench.bus)/\(BusPaths.fixList)")
        let worker2 = try bench.agent(.worker, round: 2, runID: "run-r2")
        try #require(worker2.status == 0, "\(worker2.output)")
        let work2 = try bench.workReport()
        let head2 = try bench.git(["rev-parse", "HEAD"])
        #expect(work2.round == 2 && work2.runID == "run-r2" && work2.headSHA == head2)
        #expect(work2.tests.map(\.result) == ["pass"])
        #expect(try run(["bash", "test.sh"], in: bench.repo).status == 0)

        try bench.writeReviewRequest(base: base, head: head2, round: 2, runID: "run-r2-review", verifyPassed: true)
        let reviewer2 = try bench.agent(.reviewer, round: 2, runID: "run-r2-review")
        try #require(reviewer2.status == 0, "\(reviewer2.output)")
        let review2 = try bench.reviewReport()
        #expect(review2.round == 2 && review2.runID == "run-r2-review")
        #expect(review2.decision == .approve)
        #expect(review2.blockingIssues.isEmpty)

        // Failed verification blocks approval even when the feature is there.
        try bench.writeReviewRequest(base: base, head: head2, round: 2, runID: "run-r2-again", verifyPassed: false)
        let reviewer3 = try bench.agent(.reviewer, round: 2, runID: "run-r2-again")
        try #require(reviewer3.status == 0, "\(reviewer3.output)")
        #expect(try bench.reviewReport().decision == .changesRequired)

        // Reports are written atomically: no temp files are left behind.
        let busFiles = try FileManager.default.contentsOfDirectory(atPath: bench.bus).sorted()
        #expect(busFiles == ["fix_list.json", "review_report.json", "review_request.json", "work_report.json"])
    }

    @Test("scripted worker without a fix list in round 2 stays incomplete and says so", .timeLimit(.minutes(1)))
    func scriptedWorkerNeedsTheFixList() throws {
        let scratch = try Scratch()
        let bench = try AgentBench(in: scratch)
        let result = try bench.agent(.worker, round: 2, runID: "run-x")
        try #require(result.status == 0, "\(result.output)")
        let report = try bench.workReport()
        #expect(report.tests.map(\.result) == ["fail"])
        #expect(report.notes.contains("no fix list"))
    }

    @Test("scripted agents refuse to run without the LOOP_* environment")
    func scriptedAgentsNeedTheEnvironment() throws {
        let scratch = try Scratch()
        try EmbeddedFiles.write(under: "examples/agents", to: scratch.path)
        for script in ["scripted-worker", "scripted-reviewer"] {
            let result = try run(["env", "-u", "LOOP_ROLE", "\(scratch.path)/\(script)"], in: scratch.path)
            #expect(result.status == 2)
            #expect(result.output.contains("LOOP_ROLE is not set"))
        }
    }
}
