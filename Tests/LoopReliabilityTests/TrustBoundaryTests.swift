#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore
import LoopTestSupport
import Testing

extension Reliability {
    /// The trust boundary under a real `loop run`: model-written code runs in `verify`, the
    /// agent's shell and external agent CLIs, and none of them may reach what lies outside the
    /// task's worktree — the user's checkout, `~/.ssh`, other repositories, secrets in the
    /// environment, the network — unless the user says so. Approval pins the reviewed commit,
    /// and the PM never commits a secret, by name or by content.
    ///
    /// Every case records a row under `trust` for `docs/RELIABILITY.md`.
    @Suite(.serialized, .timeLimit(.minutes(5)), .enabled(if: BubblewrapRequirement.shouldRun))
    struct TrustBoundary {
        /// What lies outside the worktree, planted with canary contents.
        struct Outside {
            let home: String
            let otherRepo: String
            let apiKey = "sk-trust-canary-\(UUID().uuidString.prefix(12))"
            let sshKey = "SSH-CANARY-\(UUID().uuidString.prefix(8))"
            let otherSecret = "OTHER-REPO-CANARY-\(UUID().uuidString.prefix(8))"
            let checkoutSecret = "CHECKOUT-ENV-CANARY-\(UUID().uuidString.prefix(8))"

            /// Under /var/tmp (not /tmp, which the sandbox replaces by its own tmpfs).
            init(_ box: TestRepo) throws {
                home = box.root + "/home"
                otherRepo = box.root + "/other-repo"
                try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
                try FileManager.default.createDirectory(atPath: otherRepo, withIntermediateDirectories: true)
                try "\(sshKey)\n".write(toFile: home + "/.ssh/id_rsa", atomically: false, encoding: .utf8)
                try "\(otherSecret)\n".write(toFile: otherRepo + "/secret.txt", atomically: false, encoding: .utf8)
                try "API_KEY=\(checkoutSecret)\n".write(toFile: box.path + "/.env", atomically: false, encoding: .utf8)
            }

            var canaries: [String] { [apiKey, sshKey, otherSecret, checkoutSecret] }
        }

        static func record(_ name: String, _ checks: [(String, Bool)], _ fields: [String: JSONValue] = [:]) {
            Recorder.checks(suite: "trust", name: name, checks, fields)
        }

        /// Verify commands that try to get out, each printing ESCAPED or blocked (and exiting 0).
        @Test("verify: model-written code run by verify cannot read, write or call outside the worktree")
        func verifyConfined() async throws {
            let listener = try ScriptedHTTPServer()
            defer { listener.stop() }
            let box = try await TestRepo.make(agents: .runEveryLine, parent: "/var/tmp")
            let outside = try Outside(box)
            let attempts: [(String, String)] = [
                ("read the user's checkout (.env)", "cat '\(box.path)/.env'"),
                ("read ~/.ssh/id_rsa", "cat '\(outside.home)/.ssh/id_rsa'"),
                ("read another repository", "cat '\(outside.otherRepo)/secret.txt'"),
                ("write outside the worktree", "echo pwned > '\(outside.otherRepo)/pwned.txt' && cat '\(outside.otherRepo)/pwned.txt'"),
                ("read OPENAI_API_KEY from the environment", "printenv OPENAI_API_KEY"),
                ("reach the network (a listener on the host's loopback)", "(exec 3<>/dev/tcp/127.0.0.1/\(listener.port)) && echo CONNECTED-\(listener.port)"),
            ]
            let commands = attempts.map { "(\($0.1)) 2>/dev/null | head -c 200 | sed 's/^/OUT:/'; true" }
            try box.writeCard(verify: commands)
            try box.useAgents()

            let result = try await box.run(environment: ["OPENAI_API_KEY": outside.apiKey, "HOME": outside.home])

            let bus = Bus(box)
            let state = try bus.object("state.json")
            let runID = state["run_id"] as? String ?? ""
            let verify = try bus.text("archive/T-1/\(runID)/r1_verify.json")
            for (index, attempt) in attempts.enumerated() {
                var checks: [(String, Bool)] = [("the run went on (exit 0)", result.exitCode == 0)]
                checks.append(("no canary in verify's output", !outside.canaries.contains { verify.contains($0) }))
                if index == 3 {
                    checks.append(("nothing written outside", !FileManager.default.fileExists(atPath: outside.otherRepo + "/pwned.txt")))
                }
                if index == 5 {
                    checks.append(("the listener got no connection", listener.requests.isEmpty && !verify.contains("OUT:CONNECTED-")))
                }
                Self.record("verify: \(attempt.0)", checks, ["where": .string("verify"), "command": .string(attempt.1)])
                #expect(checks.allSatisfy { $0.1 }, "\(attempt.0): \(checks.filter { !$0.1 }) \(result.output)")
            }
        }

        /// The built-in agent's `run` tool tries the same reads; nothing of them reaches the model.
        @Test("agent shell: the built-in worker's run tool sees the worktree, not the machine")
        func shellConfined() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine, parent: "/var/tmp")
            let outside = try Outside(box)
            let reads: [(String, String)] = [
                ("cat the user's checkout (.env)", "cat '\(box.path)/.env'"),
                ("cat ~/.ssh/id_rsa", "cat '\(outside.home)/.ssh/id_rsa'"),
                ("cat another repository's file", "cat '\(outside.otherRepo)/secret.txt'"),
                ("list /root", "ls -la /root"),
                ("read OPENAI_API_KEY", "printenv OPENAI_API_KEY; cat /proc/*/environ 2>/dev/null | tr '\\\\0' '\\\\n' | grep -a OPENAI"),
            ]
            let model = try FakeModel(
                .openAI, workerActions: reads.map { FakeModel.Action("run", ["command": $0.1]) } + [.writeWork, .finish()])
            try box.writeCard(verify: ["test -s work.txt"])
            try FakeModel.Wire.openAI.configure(box, args: ["--context", "32768"])

            let result = try await box.loop(
                FakeModel.Wire.openAI.runArguments,
                environment: model.environment.merging(["OPENAI_API_KEY": outside.apiKey, "HOME": outside.home]) { $1 })

            let seen = model.allRequestText
            for read in reads {
                let checks: [(String, Bool)] = [
                    ("no canary reached the model", !outside.canaries.contains { seen.contains($0) }),
                    ("the run still ended approved", result.exitCode == 0),
                ]
                Self.record("agent shell: \(read.0)", checks, ["where": .string("agent shell"), "command": .string(read.1)])
                #expect(checks.allSatisfy { $0.1 }, "\(read.0): \(result.output)")
            }
        }

        @Test("approval pins the reviewed commit: a commit added during the review is not approved")
        func commitAfterReview() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents(
                reviewer: """
                    if [ "$LOOP_ROUND" -eq 1 ]; then
                        echo sneaky >> "$LOOP_WORKDIR/work.txt"
                        git -C "$LOOP_WORKDIR" commit -qam "unreviewed"
                    fi
                    review_report approve
                    """)

            let result = try await box.run(["--max-rounds", "2"])

            let outcome = try Bus(box).object("outcome.json")
            let head = outcome["head_sha"] as? String ?? ""
            let checks: [(String, Bool)] = [
                ("round 1 not approved; round 2 reviewed the stray commit", outcome["rounds"] as? Int == 2),
                ("the stray commit was named", result.output.contains("was not reviewed")),
                ("merge_sha is the reviewed head", outcome["merge_sha"] as? String == head && !head.isEmpty),
                ("the merge command names the sha", outcome["merge_command"] as? String == "git merge \(head)"),
            ]
            Self.record("commit after review", checks, ["where": .string("review")])
            #expect(checks.allSatisfy { $0.1 }, "\(result.output)")
        }

        @Test("secrets by content: a private key or a token pasted into source is never committed")
        func secretContents() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents(
                worker: """
                    echo "round $LOOP_ROUND" >> "$LOOP_WORKDIR/work.txt"
                    printf 'KEY = (\\n-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA\\n-----END RSA PRIVATE KEY-----\\n)\\n' > "$LOOP_WORKDIR/config.py"
                    printf 'AWS = "AKIA%s"\\n' ABCDEFGHIJKLMNOP > "$LOOP_WORKDIR/aws.py"
                    printf 'SLACK = "xoxb-%s"\\n' 123456789012-abcdefghijkl > "$LOOP_WORKDIR/slack.py"
                    printf 'TF = 1\\n' > "$LOOP_WORKDIR/prod.tfvars"
                    work_report
                    """)

            let result = try await box.run()

            let committed = try await box.git("log", "--name-only", "--format=", "loop/T-1")
            for file in ["config.py", "aws.py", "slack.py", "prod.tfvars"] {
                let checks: [(String, Bool)] = [
                    ("not committed", !committed.contains(file)), ("the run went on", result.exitCode == 0),
                ]
                Self.record("secret not committed: \(file)", checks, ["where": .string("PM commit")])
                #expect(checks.allSatisfy { $0.1 }, "\(file): \(committed)")
            }
        }

        @Test("bypass backends: named at the start unless sandboxed; --agent-sandbox confines a command backend")
        func bypassBackends() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine, parent: "/var/tmp")
            let outside = try Outside(box)
            try box.writeCard()
            let plain = try await box.loop(["run", "--auto-dispatch", "--worker-backend", "codex", "--reviewer-backend", "claude"])
            let named = [
                ("codex named as running without permission checks", plain.stdout.contains("codex (worker) runs with its permission checks disabled")),
                ("claude named as running without permission checks", plain.stdout.contains("claude (reviewer) runs with its permission checks disabled")),
            ]
            Self.record("bypass backends named at the start", named, ["where": .string("agent CLIs")])
            #expect(named.allSatisfy { $0.1 }, "\(plain.output)")

            try box.useAgents(
                worker: """
                    cat '\(outside.home)/.ssh/id_rsa' >> "$LOOP_WORKDIR/work.txt" 2>/dev/null || echo "no read" >> "$LOOP_WORKDIR/work.txt"
                    echo pwned > '\(outside.otherRepo)/pwned.txt' 2>/dev/null || true
                    work_report
                    """)
            let sandboxed = try await box.run(["--agent-sandbox"], environment: ["HOME": outside.home])
            let work = (try? await box.git("show", "loop/T-1:work.txt")) ?? ""
            let confined = [
                ("the run ended approved", sandboxed.exitCode == 0),
                ("~/.ssh not readable", !work.contains(outside.sshKey)),
                ("nothing written outside", !FileManager.default.fileExists(atPath: outside.otherRepo + "/pwned.txt")),
            ]
            Self.record("--agent-sandbox confines a command backend", confined, ["where": .string("agent CLIs")])
            #expect(confined.allSatisfy { $0.1 }, "\(sandboxed.output)")
        }
    }
}
