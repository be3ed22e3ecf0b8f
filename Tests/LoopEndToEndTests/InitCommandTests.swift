import Foundation
import LoopTestSupport
import Testing

/// `loop init` run by a user, again and again.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct InitCommandTests {
    /// Every file under `.loop/` with its bytes.
    private func tree(_ repo: TestRepo) -> [String: Data] {
        var files: [String: Data] = [:]
        for file in Bus(repo).files(under: repo.loopDir) {
            files[file] = FileManager.default.contents(atPath: "\(repo.loopDir)/\(file)")
        }
        return files
    }

    @Test("loop init lays down config, templates, example card, README and .gitignore")
    func initCreatesSkeleton() async throws {
        let repo = try await TestRepo.make(initLoop: false)

        let result = try await repo.loop("init")

        #expect(result.exitCode == 0, "\(result.output)")
        for file in ["config.yaml", "README.md", ".gitignore", "examples/task_card.json", "templates/worker_prompt.txt",
                     "templates/reviewer_prompt.txt"] {
            #expect(repo.exists(".loop/\(file)"), "missing .loop/\(file)")
        }
        // The example card is a valid card: it parses and has the loop-kit fields.
        let example = try Bus(repo).object("examples/task_card.json")
        for key in ["task_id", "goal", "in_scope", "out_of_scope", "acceptance_criteria", "constraints"] {
            #expect(example[key] != nil, "example card lacks \(key)")
        }
        let ignored = try repo.read(".loop/.gitignore")
        for entry in ["state.json", "lock", "worktrees/", "archive/"] {
            #expect(ignored.contains(entry), ".gitignore lacks \(entry)")
        }
        // The user's checkout stays clean apart from the new, untracked bus folder.
        #expect(try await repo.git("status", "--porcelain", "--untracked-files=no").isEmpty)
    }

    @Test("a second loop init changes nothing and keeps a file the user edited")
    func initIsIdempotent() async throws {
        let repo = try await TestRepo.make()
        let first = tree(repo)

        let again = try await repo.loop("init")

        #expect(again.exitCode == 0, "\(again.output)")
        #expect(tree(repo) == first)
        #expect(!again.stdout.contains("created"), "\(again.stdout)")

        let edited = try repo.read(".loop/config.yaml") + "# my own note\nmax_rounds_note: kept\n"
        try repo.write(".loop/config.yaml", edited)
        try FileManager.default.removeItem(atPath: repo.loopDir + "/templates/worker_prompt.txt")
        let third = try await repo.loop("init")

        #expect(third.exitCode == 0, "\(third.output)")
        #expect(try repo.read(".loop/config.yaml") == edited, "an edited file is kept without --force")
        #expect(third.stdout.contains("kept .loop/config.yaml"), "\(third.stdout)")
        #expect(third.stdout.contains("created .loop/templates/worker_prompt.txt"), "\(third.stdout)")
        #expect(repo.exists(".loop/templates/worker_prompt.txt"))
    }

    @Test("loop init --force restores the built-in files and keeps a backup of each edited one")
    func initForceKeepsBackup() async throws {
        let repo = try await TestRepo.make()
        let original = try repo.read(".loop/config.yaml")
        let edited = original + "# my own note\n"
        try repo.write(".loop/config.yaml", edited)
        try repo.writeCard()
        let card = try repo.read(".loop/task_card.json")

        let result = try await repo.loop("init", "--force")

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try repo.read(".loop/config.yaml") == original)
        let backups = try FileManager.default.contentsOfDirectory(atPath: repo.loopDir)
            .filter { $0.hasPrefix("config.yaml.bak") }
        try #require(backups.count == 1, "backups: \(backups)")
        #expect(try repo.read(".loop/\(backups[0])") == edited)
        #expect(result.stdout.contains(backups[0]), "the backup is named: \(result.stdout)")
        #expect(try repo.read(".loop/task_card.json") == card, "--force never touches the task card")
        // An unedited file is not backed up.
        #expect(try FileManager.default.contentsOfDirectory(atPath: repo.loopDir + "/templates")
            .allSatisfy { !$0.contains(".bak") })
    }

    @Test("loop init --loop-dir makes the bus elsewhere, and loop run --loop-dir runs on it")
    func customLoopDir() async throws {
        let repo = try await TestRepo.make(initLoop: false)
        let result = try await repo.loop("init", "--loop-dir", "ci/bus")
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(repo.exists("ci/bus/config.yaml"))
        #expect(!repo.exists(".loop"))

        let worker = try repo.agent("worker", "echo \"$LOOP_BUS_DIR\" >\"$STATE/bus\"\n" + AgentScript.goodWorker)
        let reviewer = try repo.agent("reviewer", AgentScript.approve)
        let config = try repo.read("ci/bus/config.yaml")
            + "  \(TestRepo.workerBackend):\n    command: [\"\(worker)\"]\n"
            + "  \(TestRepo.reviewerBackend):\n    command: [\"\(reviewer)\"]\n"
        try repo.write("ci/bus/config.yaml", config)
        try repo.writeCard()
        try FileManager.default.moveItem(atPath: repo.absolute(".loop/task_card.json"), toPath: repo.absolute("ci/bus/task_card.json"))

        let run = try await runLoop(TestRepo.runArguments(["--loop-dir", "ci/bus"]), in: repo.path)

        #expect(run.exitCode == 0, "\(run.output)")
        #expect(try Bus(root: repo.path + "/ci/bus").outcome["result"] as? String == "approved")
        #expect(try repo.read(repo.scratchFile("bus")).trimmingCharacters(in: .whitespacesAndNewlines) == repo.path + "/ci/bus")
        #expect(!repo.exists(".loop/state.json"))
    }
}
