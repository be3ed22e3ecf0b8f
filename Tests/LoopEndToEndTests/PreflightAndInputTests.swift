import Foundation
import LoopTestSupport
import Testing

/// Mistakes a user can make before round 1: each one is exit 1 with a clear line, and nothing starts.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct PreflightAndInputTests {
    /// Nothing of a run exists: no state, no worktree, no task branch.
    private func expectNothingStarted(_ repo: TestRepo, sourceLocation: SourceLocation = #_sourceLocation) {
        let bus = Bus(repo)
        #expect(!bus.exists("state.json"), sourceLocation: sourceLocation)
        #expect(!bus.exists("worktrees/T-1"), sourceLocation: sourceLocation)
        #expect(!repo.exists(repo.scratchFile("worker_prompt_r1.txt")), "the worker ran", sourceLocation: sourceLocation)
    }

    @Test("preflight lists every problem at once, each on its own line: not a git repo, both backends missing")
    func preflightListsEveryProblem() async throws {
        let repo = try await TestRepo.make(git: false)
        try repo.writeCard()
        let missingWorker = repo.agents + "/no-such-worker"
        let missingReviewer = repo.agents + "/no-such-reviewer"
        try repo.addBackend(TestRepo.workerBackend, command: [missingWorker])
        try repo.addBackend(TestRepo.reviewerBackend, command: [missingReviewer])

        let result = try await repo.run()

        #expect(result.exitCode == 1, "\(result.output)")
        let lines = result.errorLines
        let gitLine = lines.firstIndex { $0.contains("not inside a git repository") || $0.contains("not a git repository") }
        let workerLine = lines.firstIndex { $0.contains(missingWorker) }
        let reviewerLine = lines.firstIndex { $0.contains(missingReviewer) }
        #expect(gitLine != nil, "\(result.stderr)")
        #expect(workerLine != nil, "\(result.stderr)")
        #expect(reviewerLine != nil, "\(result.stderr)")
        #expect(Set([gitLine, workerLine, reviewerLine]).count == 3, "one line per problem: \(result.stderr)")
        #expect(result.stderr.contains("3 problems"), "\(result.stderr)")
        expectNothingStarted(repo)
    }

    @Test("a missing backend program is exit 1 naming the program, before any agent runs")
    func missingBackendProgram() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        let missing = repo.agents + "/gone-reviewer"
        try repo.addBackend("e2e-missing", command: [missing, "--flag"])

        let result = try await runLoop(
            ["run", "--auto-dispatch", "--worker-backend", TestRepo.workerBackend, "--reviewer-backend", "e2e-missing"],
            in: repo.path)

        #expect(result.exitCode == 1, "\(result.output)")
        #expect(result.stderr.contains(missing), "\(result.stderr)")
        expectNothingStarted(repo)
    }

    @Test("an unknown backend name is exit 1 naming it and the known backends")
    func unknownBackend() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()

        let result = try await runLoop(
            ["run", "--auto-dispatch", "--worker-backend", "no-such-backend", "--reviewer-backend", TestRepo.reviewerBackend],
            in: repo.path)

        #expect(result.exitCode == 1, "\(result.output)")
        #expect(result.stderr.contains("no-such-backend"), "\(result.stderr)")
        #expect(result.stderr.contains(TestRepo.workerBackend), "known backends are listed: \(result.stderr)")
        expectNothingStarted(repo)
    }

    /// Broken cards and the field the error must name.
    static let brokenCards: [(name: String, card: String, field: String)] = [
        ("bad JSON", #"{"task_id": "T-1", "goal": "x", "in_scope": [}"#, "JSON"),
        ("lanes with overlapping owner paths", #"{"task_id": "T-1", "goal": "x", "lanes": [{"lane_id": "a", "owner_paths": ["src"]}, {"lane_id": "b", "owner_paths": ["src/x"]}]}"#, "'lanes[1].owner_paths[0]'"),
        ("depends_on on itself", #"{"task_id": "T-1", "goal": "x", "depends_on": ["T-1"]}"#, "'depends_on' must not name the card's own task_id"),
        ("dependencies not a list", #"{"task_id": "T-1", "goal": "x", "dependencies": 7}"#, "'dependencies' must be a list of task ids"),
        ("in_scope not a list", #"{"task_id": "T-1", "goal": "x", "in_scope": "src/", "out_of_scope": [], "acceptance_criteria": [], "constraints": []}"#, "in_scope"),
        ("goal a number", #"{"task_id": "T-1", "goal": 42, "in_scope": [], "out_of_scope": [], "acceptance_criteria": [], "constraints": []}"#, "goal"),
        ("list item not a string", #"{"task_id": "T-1", "goal": "x", "in_scope": [], "out_of_scope": [], "acceptance_criteria": ["ok", 3], "constraints": []}"#, "acceptance_criteria"),
        ("task_id unusable as a branch", #"{"task_id": "../evil", "goal": "x"}"#, "task_id"),
        ("top level not an object", #"["T-1"]"#, "object"),
        ("empty file", "", "empty"),
    ]

    @Test("a malformed task card is exit 1 with one line naming the file and the field", arguments: brokenCards.indices)
    func malformedCard(index: Int) async throws {
        let broken = Self.brokenCards[index]
        let repo = try await TestRepo.make()
        try repo.useAgents()
        try repo.write(".loop/task_card.json", broken.card)

        let result = try await repo.run()

        #expect(result.exitCode == 1, "\(broken.name): \(result.output)")
        #expect(result.errorLines.count == 1, "\(broken.name): one line, got: \(result.stderr)")
        #expect(result.stderr.contains("task_card.json"), "\(broken.name): \(result.stderr)")
        #expect(result.stderr.contains(broken.field), "\(broken.name): \(result.stderr)")
        #expect(!result.stderr.contains("Swift.DecodingError"), "\(broken.name): a type dump: \(result.stderr)")
        expectNothingStarted(repo)
    }

    @Test("no task card is exit 1 saying where to write one")
    func missingCard() async throws {
        let repo = try await TestRepo.make()
        try repo.useAgents()

        let result = try await repo.run()

        #expect(result.exitCode == 1, "\(result.output)")
        #expect(result.stderr.contains("task_card.json"), "\(result.stderr)")
        #expect(result.errorLines.count == 1, "\(result.stderr)")
    }

    @Test("an invalid config.yaml is exit 1 naming the file")
    func invalidConfig() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.write(".loop/config.yaml", "max_rounds: [unclosed\n  backends: : :\n")

        let result = try await repo.run()

        #expect(result.exitCode == 1, "\(result.output)")
        #expect(result.stderr.contains("config.yaml"), "\(result.stderr)")
        expectNothingStarted(repo)
    }

    @Test("a config value of the wrong type is exit 1 naming the key")
    func wrongTypeInConfig() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        var config = try repo.read(".loop/config.yaml")
        config = config.replacingOccurrences(of: "max_rounds: 3 ", with: "max_rounds: three ")
        try repo.write(".loop/config.yaml", config)

        let result = try await repo.run()

        #expect(result.exitCode == 1, "\(result.output)")
        #expect(result.stderr.contains("max_rounds"), "\(result.stderr)")
        #expect(result.stderr.contains("config.yaml"), "\(result.stderr)")
    }

    @Test("a repository without commits is a preflight problem, exit 1")
    func repositoryWithoutCommits() async throws {
        let repo = try await TestRepo.make(git: false)
        try await repo.git("init", "-q")
        try repo.writeCard()
        try repo.useAgents()

        let result = try await repo.run()

        #expect(result.exitCode == 1, "\(result.output)")
        #expect(result.stderr.contains("commit"), "\(result.stderr)")
        expectNothingStarted(repo)
    }

    @Test("the loop-kit task card runs unchanged: six fields, no verify, approved")
    func loopKitCardAccepted() async throws {
        let repo = try await TestRepo.make()
        let card = #"{"task_id":"T-1","goal":"...","in_scope":["src/"],"out_of_scope":[],"acceptance_criteria":["..."],"constraints":[]}"#
        try repo.write(".loop/task_card.json", card)
        try repo.useAgents()

        let result = try await repo.run()

        #expect(result.exitCode == 0, "\(result.output)")
        #expect(try Bus(repo).outcome["result"] as? String == "approved")
        #expect(try repo.read(".loop/task_card.json") == card, "the PM never writes the card")
        #expect(try repo.read(repo.scratchFile("worker_prompt_r1.txt")).contains("src/"))
    }
}
