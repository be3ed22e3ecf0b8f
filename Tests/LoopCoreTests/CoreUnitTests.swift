import Foundation
import LoopCore
import Testing

@Suite struct TemplateRendererTests {
    @Test("known placeholders are filled once; other braces are left alone")
    func render() {
        let out = TemplateRenderer.render(
            #"id {task_id} json {"a": 1} unknown {nope} {run_id}"#, values: ["task_id": "{run_id}", "run_id": "R"])
        #expect(out == #"id {run_id} json {"a": 1} unknown {nope} R"#)
    }
}

@Suite struct SecretFilterTests {
    @Test(
        "files that look like secrets",
        arguments: [
            ".env", "config/.env.local", "prod.env", "keys/deploy.pem", "server.key", "id_rsa", "id_ed25519.pub",
            ".netrc", "cert.p12", ".envrc", "infra/prod.tfvars", "vars.tfvars.json", "credentials", "aws/credentials",
            "secrets.yaml", "config/secrets.json", "release.keystore",
        ])
    func secrets(path: String) { #expect(SecretFilter.looksLikeSecret(path)) }

    @Test(
        "ordinary files",
        arguments: [
            "src/env.swift", "README.md", "keyboard.txt", "environment.md", "docs/pem-format.md", "credentials.md",
            "secrets", "my-secrets.md", "tfvars.md", "envrc.txt", "keystore.swift",
        ])
    func ordinary(path: String) { #expect(!SecretFilter.looksLikeSecret(path)) }

    @Test(
        "secret shapes in a file's text are found",
        arguments: [
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow==\n-----END RSA PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----", "-----BEGIN PGP PRIVATE KEY BLOCK-----",
            "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "key: ASIAIOSFODNN7EXAMPLE\n",
            "OPENAI_API_KEY=sk-proj-abcdEFGH1234ijklMNOP5678", "api_key = 'sk-ant-api03-AbCdEfGh12345678IjKl'",
            "token: ghp_abcdefghijklmnopqrstuvwxyz0123456789", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
            "SLACK=xoxb-123456789012-abcdefghij", "hook xoxp-1234567890-abc",
        ])
    func contentSecrets(text: String) {
        #expect(SecretFilter.secretContent(in: "let config = 1\n" + text + "\n") != nil, "\(text)")
    }

    @Test(
        "ordinary text is not a secret",
        arguments: [
            "-----BEGIN PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----", "AKIA is a prefix", "AKIAIOSFODNN7EXAMPL",
            "XAKIAIOSFODNN7EXAMPLE1", "sk-short123", "risk-assessment-for-the-whole-project-team",
            "the task-sk-abcdefghijklmnopqrstuvwxyz1234 slug", "ghp_short", "use xoxb tokens for slack bots",
            "let x = \"sk-\"", "ssh-keygen -t ed25519",
        ])
    func contentOrdinary(text: String) { #expect(SecretFilter.secretContent(in: text) == nil, "\(text)") }

    @Test("isSecret checks the name, then the first MiB of the text; binary and missing files are not judged")
    func isSecretByContent() throws {
        let dir = try TempDir()
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n"
        try key.write(toFile: dir.path + "/config.py", atomically: false, encoding: .utf8)
        try "print('hello')\n".write(toFile: dir.path + "/main.py", atomically: false, encoding: .utf8)
        try "x\n".write(toFile: dir.path + "/.envrc", atomically: false, encoding: .utf8)
        try Data([0, 1, 2] + Array(key.utf8)).write(to: URL(fileURLWithPath: dir.path + "/blob.bin"))
        let late = String(repeating: "a", count: SecretFilter.scanBytes + 10) + key
        try late.write(toFile: dir.path + "/big.txt", atomically: false, encoding: .utf8)
        #expect(SecretFilter.isSecret(path: "config.py", workdir: dir.path))
        #expect(SecretFilter.contentReason(path: "config.py", workdir: dir.path) == "a private key block")
        #expect(SecretFilter.isSecret(path: ".envrc", workdir: dir.path))
        #expect(!SecretFilter.isSecret(path: "main.py", workdir: dir.path))
        #expect(!SecretFilter.isSecret(path: "blob.bin", workdir: dir.path))
        #expect(!SecretFilter.isSecret(path: "big.txt", workdir: dir.path), "only the first MiB is scanned")
        #expect(!SecretFilter.isSecret(path: "deleted.py", workdir: dir.path))
    }
}

@Suite struct RunOptionsCompatibilityTests {
    @Test("a state.json written before the sandbox options still loads, with the safe defaults")
    func oldOptionsDecode() throws {
        let old = #"{"max_rounds": 2, "worker_backend": "codex", "reviewer_backend": "claude", "unsafe_shell": false}"#
        let options = try JSONDecoder().decode(RunOptions.self, from: Data(old.utf8))
        #expect(options.maxRounds == 2)
        #expect(!options.unsafeVerify && !options.verifyNetwork && !options.agentSandbox)
        let round = try JSONDecoder().decode(RunOptions.self, from: JSONEncoder().encode(options))
        #expect(round == options)
    }

    @Test("unsafe_verify, verify_network and agent_sandbox resolve from config and LOOP_* like other options")
    func resolved() throws {
        let dir = try TempDir()
        try "verify_network: true\n".write(toFile: dir.path + "/config.yaml", atomically: false, encoding: .utf8)
        let resolved = try OptionResolver.resolve(
            configPath: dir.path + "/config.yaml",
            environment: ["LOOP_UNSAFE_VERIFY": "1", "LOOP_AGENT_SANDBOX": "true"], flags: [:])
        #expect(resolved.options.verifyNetwork && resolved.options.unsafeVerify && resolved.options.agentSandbox)
        #expect(resolved.sources["unsafe_verify"] == "env LOOP_UNSAFE_VERIFY")
        #expect(resolved.sources["verify_network"] == "config.yaml")
    }
}

@Suite struct AtomicFileTests {
    @Test("atomic writes replace the file and leave no temp file behind")
    func write() throws {
        let dir = try TempDir()
        let path = "\(dir.path)/sub/state.json"
        try AtomicFile.write("one", to: path)
        try AtomicFile.write("two", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir.path)/sub") == ["state.json"])
    }

    @Test("temp files of dead writers are swept, live ones kept")
    func sweep() throws {
        let dir = try TempDir()
        _ = try dir.write(".state.json.tmp-999999-1", "x")
        _ = try dir.write(".state.json.tmp-\(getpid())-2", "x")
        AtomicFile.sweepStaleTemps(in: dir.path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [".state.json.tmp-\(getpid())-2"])
    }
}

@Suite struct FileLockTests {
    @Test("a second acquisition is refused while held, and the owner is named")
    func exclusive() throws {
        let dir = try TempDir()
        let owner = FileLock.Owner(pid: getpid(), host: "h", runID: "run-1", startedAt: "t")
        guard case .acquired(let lock, _) = try FileLock.acquire(at: "\(dir.path)/lock", owner: owner) else {
            Issue.record("first acquisition failed")
            return
        }
        guard case .heldBy(let holder) = try FileLock.acquire(at: "\(dir.path)/lock", owner: owner) else {
            Issue.record("second acquisition must be refused")
            return
        }
        #expect(holder?.runID == "run-1")
        #expect(FileLock.isHeld(at: "\(dir.path)/lock"))
        lock.releaseCleanly()
        #expect(FileLock.readOwner(at: "\(dir.path)/lock") == nil)
    }
}

@Suite struct OptionResolverTests {
    @Test("flags beat environment, which beats config.yaml, which beats defaults")
    func precedence() throws {
        let dir = try TempDir()
        let config = try dir.write(
            "config.yaml", "max_rounds: 7\ndispatch_timeout: 11\nidle_timeout: 12\nmax_cost: 1.5\n")
        let resolved = try OptionResolver.resolve(
            configPath: config, environment: ["LOOP_DISPATCH_TIMEOUT": "22", "LOOP_IDLE_TIMEOUT": "23"],
            flags: ["idle_timeout": .number(33)])
        #expect(resolved.options.maxRounds == 7)
        #expect(resolved.options.dispatchTimeout == 22)
        #expect(resolved.options.idleTimeout == 33)
        #expect(resolved.options.maxCost == 1.5)
        #expect(resolved.options.artifactTimeout == 90)
        #expect(resolved.sources["max_rounds"] == "config.yaml")
        #expect(resolved.sources["dispatch_timeout"] == "env LOOP_DISPATCH_TIMEOUT")
        #expect(resolved.sources["idle_timeout"] == "flag")
        #expect(resolved.sources["artifact_timeout"] == "default")
        #expect(!resolved.options.maxRoundsExplicit)
    }

    @Test("a mistyped config value is one clear error naming the key")
    func badType() throws {
        let dir = try TempDir()
        let config = try dir.write("config.yaml", "max_rounds: many\n")
        let error = #expect(throws: LoopError.self) {
            try OptionResolver.resolve(configPath: config, environment: [:], flags: [:])
        }
        #expect(error?.errorDescription?.contains("max_rounds") == true)
    }

    @Test("unknown config keys are warnings, not errors")
    func unknownKey() throws {
        let dir = try TempDir()
        let config = try dir.write("config.yaml", "max_round: 4\n")
        let resolved = try OptionResolver.resolve(configPath: config, environment: [:], flags: [:])
        #expect(resolved.warnings.contains { $0.contains("max_round") })
    }

    @Test("a bad environment value names the variable")
    func badEnvironment() throws {
        let error = #expect(throws: LoopError.self) {
            try OptionResolver.resolve(
                configPath: "/nonexistent", environment: ["LOOP_AUTO_DISPATCH": "maybe"], flags: [:])
        }
        #expect(error?.errorDescription?.contains("LOOP_AUTO_DISPATCH") == true)
    }
}

@Suite struct UsageSummaryTests {
    @Test("sums one run's calls by round, role and model, pricing unpriced calls from the price table")
    func sums() throws {
        let dir = try TempDir()
        let path = try dir.write(
            "usage.jsonl",
            """
            {"run_id":"a","task_id":"T","round":1,"role":"worker","backend":"ollama","model":"m","prompt_tokens":1000,"cached_prompt_tokens":800,"completion_tokens":100}
            {"run_id":"a","task_id":"T","round":1,"role":"worker","backend":"ollama","model":"m","prompt_tokens":1000,"completion_tokens":100}
            {"run_id":"b","task_id":"T","round":1,"role":"worker","backend":"codex","prompt_tokens":5,"completion_tokens":5,"cost_usd":2}
            {"torn line
            """)
        let prices: [String: UsageSummary.Price] = ["m": UsageSummary.Price(input: 1, cachedInput: 0.5, output: 10)]
        let summary = UsageSummary.load(path, runID: "a", prices: prices)
        #expect(summary.rows.count == 1)
        #expect(summary.tokens == 2200)
        #expect(summary.rows[0].cachedPromptTokens == 800)
        let first: Double = 200 * 1 + 800 * 0.5 + 100 * 10
        let second: Double = 1000 * 1 + 100 * 10
        #expect(abs(summary.costUSD - (first + second) / 1_000_000) < 1e-12)
        #expect(UsageSummary.load(path).costUSD >= 2)
    }
}
