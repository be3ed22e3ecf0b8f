import Foundation
import LoopCore
import LoopTestSupport
import Testing

extension Reliability {
    /// Issue item 7: repositories as people really have them.
    @Suite(.serialized, .timeLimit(.minutes(5)))
    struct GitEdgeCases {
        static func record(_ name: String, _ checks: [(String, Bool)], _ fields: [String: JSONValue] = [:]) {
            Recorder.checks(suite: "git", name: name, checks, fields)
        }

        /// The user's checkout as bytes and git sees it: HEAD, branch, index, status and every tracked file.
        static func snapshot(_ box: TestRepo) async throws -> String {
            var parts = [
                (try? await box.git("rev-parse", "HEAD")) ?? "no HEAD",
                (try? await box.git("symbolic-ref", "-q", "HEAD")) ?? "detached",
                try await box.git("status", "--porcelain=v1", "--untracked-files=all", "--ignored=no", "--", ".", ":!.loop"),
                try await box.git("ls-files", "-s"),
            ]
            for file in try await box.git("ls-files").split(separator: "\n") {
                parts.append("\(file): \((try? box.read(String(file))) ?? "<unreadable>")")
            }
            for file in ["dirty.txt", "untracked.txt"] where box.exists(file) {
                parts.append("\(file): \(try box.read(file))")
            }
            return parts.joined(separator: "\n")
        }

        @Test("a repository with no commits is a preflight error: exit 1 saying so, nothing started")
        func noCommits() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine, commit: false)
            try box.writeCard()
            try box.useAgents()
            let result = try await box.run()
            let audit = Bus(box)
            Self.record("repository with no commits", [
                ("exit 1", result.exitCode == 1),
                ("says there are no commits", result.output.contains("no commits")),
                ("no run started (no state.json)", !audit.exists("state.json")),
                ("no branch made", (try? await box.git("branch", "--list", "loop/*"))?.isEmpty ?? true),
            ], ["message": .string(tail(result.stderr, lines: 2))])
        }

        @Test("a detached HEAD works in worktree mode and stays detached at the same commit")
        func detachedHead() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.write("second.txt", "2\n")
            try await box.git("add", "second.txt")
            try await box.git("commit", "-q", "-m", "second")
            try await box.git("checkout", "-q", "--detach", "HEAD~1")
            try box.writeCard()
            try box.useAgents(reviewer: AgentScript.rejectOnce)
            let before = try await Self.snapshot(box)
            let result = try await box.run()
            let after = try await Self.snapshot(box)
            let base = try await box.git("rev-parse", "HEAD")
            let mergeBase = try await box.git("merge-base", base, "loop/T-1")
            Self.record("detached HEAD (worktree mode)", [
                ("approved (exit 0)", result.exitCode == 0),
                ("the checkout is untouched and still detached", before == after),
                ("loop/T-1 starts from the detached commit", mergeBase == base),
            ])
        }

        @Test("a dirty tree: --in-place refuses (exit 4) without --allow-dirty; the dirty files are untouched either way")
        func dirtyTree() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.write("README.md", "# edited by the user, not committed\n")
            try box.write("dirty.txt", "the user's work in progress\n")
            try box.write("untracked.txt", "scratch\n")
            try box.writeCard()
            try box.useAgents()
            let before = try await Self.snapshot(box)
            let refused = try await box.run(["--in-place"])
            let afterRefusal = try await Self.snapshot(box)
            let worktreeRun = try await box.run()
            let afterWorktreeRun = try await Self.snapshot(box)
            try FileManager.default.removeItem(atPath: box.loopDir + "/state.json")
            let allowed = try await box.run(["--in-place", "--allow-dirty"])
            let readme = try box.read("README.md")
            let committed = try await box.git("show", "--stat", "--format=", "HEAD")
            Self.record("dirty tree", [
                ("--in-place without --allow-dirty: exit 4", refused.exitCode == 4),
                ("the refusal names a dirty file", refused.output.contains("README.md") || refused.output.contains("untracked.txt")),
                ("refused run changed nothing", before == afterRefusal),
                ("worktree mode runs (exit 0) and leaves the dirty checkout as it was", worktreeRun.exitCode == 0 && before == afterWorktreeRun),
                ("--in-place --allow-dirty runs (exit 0)", allowed.exitCode == 0),
                ("and never commits or changes the dirty files", readme == "# edited by the user, not committed\n"
                    && !committed.contains("README.md") && !committed.contains("untracked.txt")),
            ], ["refusal": .string(tail(refused.stderr, lines: 2))])
        }

        @Test("a commit the user makes on loop/<task> between rounds is kept: round 2 builds on it")
        func userEditsBranchBetweenRounds() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents(reviewer: """
                if [ "$LOOP_ROUND" -eq 1 ]; then
                    record reviewer-waiting
                    while [ ! -f "$STATE/user-done" ]; do sleep 0.05; done
                    review_report changes_required "$(issue 'needs the user fix too')"
                else
                    review_report approve
                fi
                """)
            let pm = try await box.start(waitingFor: "reviewer-waiting")
            let worktree = box.loopDir + "/worktrees/T-1"
            try "user fix\n".write(toFile: worktree + "/user.txt", atomically: true, encoding: .utf8)
            try await box.git(["add", "user.txt"], in: worktree)
            try await box.git(["-c", "user.email=u@x", "-c", "user.name=User", "commit", "-q", "-m", "user: fix between rounds"], in: worktree)
            let userCommit = try await box.git(["rev-parse", "HEAD"], in: worktree)
            try Data().write(to: URL(fileURLWithPath: box.scratchFile("user-done")))
            let result = try await pm.wait()
            let head = try await box.git("rev-parse", "loop/T-1")
            let kept = (try? await box.git("merge-base", "--is-ancestor", userCommit, head)) != nil
            let userFile = (try? String(contentsOfFile: worktree + "/user.txt", encoding: .utf8)) == "user fix\n"
            Self.record("the user commits on loop/<task> between rounds", [
                ("approved (exit 0)", result.exitCode == 0),
                ("the user's commit is in loop/T-1's history", kept),
                ("the user's file is in the worktree", userFile),
                ("3 commits: 2 rounds + the user's", (try? await box.taskCommits()) == 3),
            ])
        }

        @Test("a repository with a submodule: the run works and the submodule is untouched")
        func submodule() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            let library = box.root + "/library"
            try FileManager.default.createDirectory(atPath: library, withIntermediateDirectories: true)
            try await box.git(["init", "-q", "-b", "main"], in: library)
            try "lib\n".write(toFile: library + "/lib.txt", atomically: true, encoding: .utf8)
            try await box.git(["add", "-A"], in: library)
            try await box.git(["-c", "user.email=l@x", "-c", "user.name=L", "commit", "-q", "-m", "lib"], in: library)
            try await box.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", library, "vendor/library")
            try await box.git("commit", "-q", "-m", "add submodule")
            try box.writeCard()
            try box.useAgents(reviewer: AgentScript.rejectOnce)
            let before = try await Self.snapshot(box)
            let submoduleBefore = try await box.git("submodule", "status")
            let result = try await box.run()
            let after = try await Self.snapshot(box)
            let submoduleAfter = try await box.git("submodule", "status")
            Self.record("repository with a submodule", [
                ("approved (exit 0)", result.exitCode == 0),
                ("the checkout and the submodule are untouched", before == after && submoduleAfter == submoduleBefore),
                ("2 PM commits", (try? await box.taskCommits()) == 2),
            ], ["output": .string(result.exitCode == 0 ? "" : tail(result.output))])
        }

        @Test("git missing from PATH is a clear preflight error (exit 1)")
        func gitMissing() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents()
            // A PATH with bash and the basic tools, but no git.
            let bin = box.root + "/nogit-bin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            for tool in ["bash", "env", "sh", "cat", "mv", "sleep", "dirname", "basename", "printf"] {
                for folder in ["/usr/bin", "/bin"] where FileManager.default.fileExists(atPath: "\(folder)/\(tool)") {
                    try? FileManager.default.createSymbolicLink(atPath: "\(bin)/\(tool)", withDestinationPath: "\(folder)/\(tool)")
                }
            }
            let result = try await box.run(environment: ["PATH": bin])
            Self.record("git missing from PATH", [
                ("exit 1", result.exitCode == 1),
                ("says git is not installed or not on PATH", result.output.contains("git is not installed")),
                ("one clear line per problem, no stack trace", !result.output.contains("Fatal error")),
                ("no run started (no state.json)", !Bus(box).exists("state.json")),
            ], ["message": .string(tail(result.stderr, lines: 3))])
        }
    }
}
