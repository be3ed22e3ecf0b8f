import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// The dashboard's JSON API over buses made by real `loop run`s with scripted agents.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ServeAPITests {
    @Test("a two-round run: tasks, task detail, each round from the archive, its diff and its logs")
    func apiOverAFinishedTwoRoundRun() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(reviewer: AgentScript.rejectOnce)
        let run = try await repo.run()
        #expect(run.exitCode == 0, "\(run.output)")
        let serve = try await ServeProcess(in: repo.path)

        let tasks = try await serve.json("/api/tasks")
        let task = try #require(tasks.arrayValue?.first)
        #expect(task["task_id"]?.stringValue == repo.taskID)
        #expect(task["phase"]?.stringValue == "done")
        #expect(task["round"]?.intValue == 2)
        #expect(task["result"]?.stringValue == "approved")
        #expect(task["running"] == .bool(false))
        #expect(task["attention"] == nil || task["attention"] == .null)

        let detail = try await serve.json("/api/tasks/\(repo.taskID)")
        #expect(detail["rounds"]?.arrayValue?.count == 2)
        #expect(detail["summary"]?["merge_command"]?.stringValue?.hasPrefix("git merge ") == true)

        let first = try await serve.json("/api/tasks/\(repo.taskID)/rounds/1")
        #expect(first["source"]?.stringValue == "archive")
        #expect(first["review_report"]?["decision"]?.stringValue == "changes_required")
        #expect(first["work_report"]?["round"]?.intValue == 1)
        #expect(first["review_request"]?["diff"] == nil, "the request's diff is served by …/diff, bounded")
        let second = try await serve.json("/api/tasks/\(repo.taskID)/rounds/2")
        #expect(second["review_report"]?["decision"]?.stringValue == "approve")
        let fixes = try #require(second["fix_list"]?["fixes"]?.arrayValue)
        #expect(fixes.contains { $0["reason"]?.stringValue?.contains("round one is never enough") == true })

        let diff = try await serve.json("/api/tasks/\(repo.taskID)/rounds/1/diff")
        #expect(diff["diff"]?.stringValue?.contains("diff --git a/work.txt b/work.txt") == true)
        #expect(diff["truncated"] == .bool(false))

        let log = try await serve.json("/api/tasks/\(repo.taskID)/logs/2/worker")
        let expected = try repo.read(".loop/logs/\(repo.taskID)/r2_worker.log")
        #expect(log["text"]?.stringValue == expected)

        let runs = try await serve.json("/api/runs")
        #expect(runs["run"]?["task_id"]?.stringValue == repo.taskID)
        #expect(runs["archived"]?.arrayValue?.isEmpty == false)
        #expect(runs["control"] == .bool(false))

        let missing = try await serve.get("/api/tasks/\(repo.taskID)/rounds/3")
        #expect(missing.status == 404)
        let unknown = try await serve.get("/api/tasks/NOPE")
        #expect(unknown.status == 404)
        #expect(unknown.body.contains("No task NOPE"))
    }

    @Test("a batch: every task of batch.json is a row, read from its run folder")
    func batchTasksAreRows() async throws {
        let repo = try await TestRepo.make()
        try repo.useAgents()
        for id in ["A-1", "B-1"] {
            try repo.write(
                ".loop/tasks/\(id).json",
                #"{"task_id": "\#(id)", "goal": "Append a line to work.txt", "in_scope": ["work.txt"]}"#)
        }
        let run = try await repo.run(["--all"])
        #expect(run.exitCode == 0, "\(run.output)")
        let serve = try await ServeProcess(in: repo.path)
        let tasks = try #require(try await serve.json("/api/tasks").arrayValue)
        #expect(Set(tasks.compactMap { $0["task_id"]?.stringValue }) == ["A-1", "B-1"])
        #expect(
            tasks.allSatisfy { $0["source"]?.stringValue == "batch" && $0["batch_status"]?.stringValue == "approved" })
        let round = try await serve.json("/api/tasks/B-1/rounds/1")
        #expect(round["review_report"]?["decision"]?.stringValue == "approve")
        let runs = try await serve.json("/api/runs")
        #expect(runs["batch"]?["tasks"]?.arrayValue?.count == 2)
    }

    @Test("ids, rounds and roles that could leave the bus are refused, never served")
    func traversalIsRefused() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents()
        _ = try await repo.run()
        try repo.write("secret.txt", "do not serve\n")
        let serve = try await ServeProcess(in: repo.path)
        let attempts = [
            "/api/tasks/..", "/api/tasks/%2e%2e", "/api/tasks/.loop", "/api/tasks/-rf",
            "/api/tasks/T-1%2F..%2F..%2Fsecret.txt", "/api/tasks/T-1/logs/1/..%2F..%2F..%2Fsecret.txt",
            "/api/tasks/T-1/logs/1/.hidden", "/api/tasks/T-1/logs/0/worker", "/api/tasks/T-1/logs/x/worker",
            "/api/tasks/T-1/rounds/-1", "/api/tasks/T-1/rounds/1/../../../../secret.txt", "/../../secret.txt",
            "/api/tasks/T-1/logs/1/worker%00", "/etc/passwd",
        ]
        for path in attempts {
            let (status, body) = try await serve.get(path)
            #expect([400, 404].contains(status), "\(path) answered \(status): \(body)")
            #expect(!body.contains("do not serve"), "\(path) served the file")
        }
        let control = try await curl(serve.baseURL + "api/control/stop", method: "POST", headers: ["X-Loop-Control: 1"])
        #expect(control.status == 403, "control is off without --allow-control: \(control.body)")
    }

    @Test("off 127.0.0.1 a token is required; with one every request carries it")
    func tokenRequiredOffLocalhost() async throws {
        let repo = try await TestRepo.make()
        let refused = try await ProcessRunner.capture(
            [ServeProcess.executable, "--host", "0.0.0.0", "--port", "0"], in: repo.path)
        #expect(refused.exitCode == 1)
        #expect(refused.stderr.split(separator: "\n").count == 1)
        #expect(refused.stderr.contains("--token"))

        let token = "test-token-0123456789abcdef"
        let serve = try await ServeProcess(in: repo.path, arguments: ["--host", "0.0.0.0", "--token", token])
        #expect(try await serve.get("/api/tasks").status == 401)
        #expect(
            try await serve.get("/api/tasks", headers: ["Authorization: Bearer wrong-token-0123456789"]).status == 401)
        #expect(try await serve.get("/", headers: []).status == 401)
        let bearer = try await serve.get("/api/tasks", headers: ["Authorization: Bearer \(token)"])
        #expect(bearer.status == 200 && bearer.body == "[]", "\(bearer)")
        let cookie = try await serve.get("/api/tasks", headers: ["Cookie: loop_token=\(token)"])
        #expect(cookie.status == 200 && cookie.body == "[]", "\(cookie)")
        let page = try await ProcessRunner.capture(
            ["curl", "-sS", "--noproxy", "*", "-D", "-", "-o", "/dev/null", serve.baseURL + "?token=\(token)"],
            in: repo.path)
        #expect(page.stdout.contains("200 OK"))
        #expect(page.stdout.lowercased().contains("set-cookie: loop_token=\(token)"))

        // Without a token, a loopback server answers loopback Host names only (DNS rebinding).
        let local = try await ServeProcess(in: repo.path)
        #expect(try await local.get("/api/tasks", headers: ["Host: attacker.example"]).status == 401)
        let allowed = try await local.get("/api/tasks")
        #expect(allowed.status == 200 && allowed.body == "[]", "\(allowed)")
    }

    @Test("loop serve runs loop-serve beside it; a missing loop-serve is one line and exit 1")
    func loopServeForwards() async throws {
        let repo = try await TestRepo.make()
        let missing = try await runLoop(
            ["serve", "--port", "0"], in: repo.path, environment: ["LOOP_SERVE_EXECUTABLE": "/nonexistent/loop-serve"])
        #expect(missing.exitCode == 1)
        #expect(missing.errorLines.count == 1)
        #expect(missing.stderr.contains("no executable loop-serve at /nonexistent/loop-serve"))

        let serve = LoopProcess(
            ["serve", "--port", "0"], in: repo.path, environment: ["LOOP_SERVE_EXECUTABLE": ServeProcess.executable])
        try await eventually("loop serve printed its address") { serve.outputSoFar.contains("http://127.0.0.1:") }
        try await serve.send(SIGTERM)
        _ = try await serve.wait()
    }

    @Test(
        "--allow-control: POST pause/continue runs loop pause/continue (control.json for the run); never without the header"
    )
    func controlEndpointsWriteTheControlRequest() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: AgentScript.heldWorker)
        let serve = try await ServeProcess(in: repo.path, arguments: ["--allow-control"])
        let run = repo.start()
        try await eventually("the worker runs") { repo.hasMarker("worker-started") }

        let forged = try await curl(serve.baseURL + "api/control/pause", method: "POST")
        #expect(forged.status == 403, "a POST without X-Loop-Control (another site's form) is refused: \(forged.body)")
        #expect(!repo.exists(".loop/control.json"))

        let pause = try await curl(serve.baseURL + "api/control/pause", method: "POST", headers: ["X-Loop-Control: 1"])
        #expect(pause.status == 200, "\(pause.body)")
        #expect(pause.body.contains("pausing run"))
        let request = try JSONDecoder().decode(JSONValue.self, from: Data(try repo.read(".loop/control.json").utf8))
        let state = try JSONDecoder().decode(JSONValue.self, from: Data(try repo.read(".loop/state.json").utf8))
        #expect(request["action"]?.stringValue == "pause")
        #expect(request["run_id"] == state["run_id"])
        let task = try #require(try await serve.json("/api/tasks").arrayValue?.first)
        #expect(task["control"]?.stringValue == "pause")

        let resume = try await curl(
            serve.baseURL + "api/control/continue", method: "POST", headers: ["X-Loop-Control: 1"])
        #expect(resume.status == 200, "\(resume.body)")
        try repo.releaseWorker()
        let result = try await run.wait()
        #expect(result.exitCode == 0, "\(result.output)")

        let late = try await curl(serve.baseURL + "api/control/stop", method: "POST", headers: ["X-Loop-Control: 1"])
        #expect(late.status == 409, "loop stop's own refusal when nothing runs: \(late.body)")
        #expect(late.body.contains("not running"))
    }

    @Test("a card with lanes: each lane is listed with its task, and a lane worker's log is served")
    func lanesAreListed() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard(
            extra:
                #""lanes": [{"lane_id": "lane_a", "owner_paths": ["a.txt"]}, {"lane_id": "lane_b", "owner_paths": ["b.txt"]}]"#
        )
        let laneWorker = #"""
            first="$(printf '%s\n' "$LOOP_OWNER_PATHS" | head -n 1)"
            echo "lane $LOOP_LANE_ID" >>"$LOOP_WORKDIR/$first"
            echo "lane worker $LOOP_LANE_ID at work"
            work_report
            """#
        try repo.useAgents(worker: laneWorker)
        let run = try await repo.run()
        #expect(run.exitCode == 0, "\(run.output)")
        let serve = try await ServeProcess(in: repo.path)
        let task = try #require(try await serve.json("/api/tasks").arrayValue?.first)
        let lanes = try #require(task["lanes"]?.arrayValue)
        #expect(lanes.compactMap { $0["lane_id"]?.stringValue } == ["lane_a", "lane_b"])
        #expect(lanes.allSatisfy { $0["status"]?.stringValue == "merged" })
        let log = try await serve.json("/api/tasks/\(repo.taskID)/logs/1/worker-lane_b")
        #expect(log["text"]?.stringValue?.contains("lane worker lane_b at work") == true)
    }

    @Test("loop does not link the HTTP server: no FlyingFox symbol in loop, many in loop-serve")
    func loopDoesNotLinkTheServer() async throws {
        func flyingFoxSymbols(_ binary: String) async throws -> Int {
            let symbols = try await ProcessRunner.capture(["nm", binary], in: "/", outputLimit: 512 * 1024 * 1024)
            #expect(symbols.exitCode == 0, "\(symbols.stderr)")
            return symbols.stdout.split(separator: "\n").filter {
                $0.contains("10FlyingFox") || $0.contains("11FlyingSocks")
            }.count
        }
        #expect(try await flyingFoxSymbols(LoopBinary.path) == 0)
        #expect(try await flyingFoxSymbols(ServeProcess.executable) > 100, "the check sees the symbols where they are")
    }

    @Test("what needs a person is the row's attention: an exhausted run, then a failed one")
    func attentionNamesWhatNeedsAPerson() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(reviewer: AgentScript.alwaysReject)
        let exhausted = try await repo.run(["--max-rounds", "1"])
        #expect(exhausted.exitCode == 2, "\(exhausted.output)")
        let serve = try await ServeProcess(in: repo.path)
        let row = try #require(try await serve.json("/api/tasks").arrayValue?.first)
        #expect(row["attention"]?.stringValue == "exhausted")
        #expect(row["running"] == .bool(false))

        try repo.agent("reviewer", "echo 'reviewer is broken' >&2\nexit 1")
        let failed = try await repo.run(["--dispatch-retries", "0"])
        #expect(failed.exitCode == 3, "\(failed.output)")
        let after = try #require(try await serve.json("/api/tasks").arrayValue?.first)
        #expect(after["attention"]?.stringValue == "failed")
        #expect(after["reason"]?.stringValue?.contains("reviewer") == true)
    }
}
