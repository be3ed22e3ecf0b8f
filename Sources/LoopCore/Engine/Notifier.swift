import Foundation
import Yams

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `notify:` in `config.yaml`: a command run when a run needs a person — it was approved,
/// failed, ran out of rounds or budget, asks for help, waits on a usage limit, or was
/// interrupted — so `notify-send`, `ntfy` or a Slack webhook via `curl` is one line.
///
/// The command gets the notification as JSON on stdin (`NotifyPayload`) and the same facts
/// in `LOOP_EVENT`, `LOOP_TASK_ID`, `LOOP_RUN_ID`, `LOOP_ROUND`, `LOOP_RESULT`, `LOOP_REASON`,
/// `LOOP_MESSAGE` and `LOOP_BUS_DIR`. It runs for at most `timeout` (then SIGTERM, and SIGKILL
/// a second later); a command that fails, hangs or is missing is reported and never stops the
/// run.
package struct Notifier: Sendable {
    /// argv: a list in YAML (`["notify-send", "loop"]`), or `["/bin/sh", "-c", text]` for a string.
    package var command: [String]
    package var timeout: Duration = .seconds(10)

    package init(command: [String], timeout: Duration = .seconds(10)) {
        self.command = command
        self.timeout = timeout
    }

    // MARK: - Which events notify

    /// The notification an event of `events.jsonl` sends, if any: `approved`, `failed`,
    /// `exhausted`, `interrupted` (from `run_finished`), `needs_help` (a no-progress stop),
    /// `limit_wait` (waiting on, or paused by, an agent's usage limit).
    package static func kind(of event: Event) -> String? {
        switch event.event {
        case "run_finished":
            guard let result = event.fields["result"]?.stringValue,
                ["approved", "failed", "exhausted", "interrupted"].contains(result)
            else { return nil }
            return result
        case "run_exhausted" where event.fields["needs_help"] == .bool(true):
            return "needs_help"
        case "limit_wait", "run_paused":
            return "limit_wait"
        default:
            return nil
        }
    }

    // MARK: - Configuration

    /// A problem with `notify:` in config.yaml, said in one line.
    package struct ConfigProblem: Error, Sendable {
        package var message: String
    }

    /// Reads `notify:` from config.yaml; nil when it is not set (or the file is missing).
    /// - Throws: `ConfigProblem` when it is set but is neither a string nor a list of strings.
    package static func load(configPath: String) throws -> Notifier? {
        guard let data = FileManager.default.contents(atPath: configPath),
            data.range(of: Data("notify:".utf8)) != nil
        else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: text)
        } catch {
            throw ConfigProblem(message: "\(configPath) is not valid YAML")
        }
        guard let top = loaded as? [String: Any], let value = top["notify"] else { return nil }
        return try notifier(from: value, configPath: configPath)
    }

    static func notifier(from value: Any, configPath: String) throws -> Notifier? {
        if value is NSNull { return nil }
        if let text = value as? String {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : Notifier(command: ["/bin/sh", "-c", trimmed])
        }
        if let list = value as? [Any] {
            let argv = list.compactMap { $0 as? String }
            guard argv.count == list.count, !argv.isEmpty, !argv[0].isEmpty else {
                throw ConfigProblem(
                    message: "notify: in \(configPath) must be a list of strings (argv) or one shell command string")
            }
            return Notifier(command: argv)
        }
        throw ConfigProblem(
            message: "notify: in \(configPath) must be a list of strings (argv) or one shell command string")
    }

    // MARK: - Sending

    /// Runs the command for `payload` and waits for it (at most `timeout` and a second).
    /// - Returns: nil when it exited 0, otherwise why it failed, in one line.
    package func send(_ payload: NotifyPayload, busDirectory: String) -> String? {
        let process = Process()
        let program = command[0]
        if program.contains("/") {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(command.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = command
        }
        var environment = ProcessInfo.processInfo.environment
        environment.merge(payload.environment(busDirectory: busDirectory)) { _, new in new }
        process.environment = environment
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        let errorLog = NSTemporaryDirectory() + "loop-notify-\(getpid())-\(UInt32.random(in: .min ... .max)).err"
        _ = FileManager.default.createFile(atPath: errorLog, contents: nil)
        let errorHandle = FileHandle(forWritingAtPath: errorLog)
        defer {
            try? errorHandle?.close()
            try? FileManager.default.removeItem(atPath: errorLog)
        }
        process.standardError = errorHandle ?? FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return "cannot start \(program): \(error.localizedDescription)"
        }
        // A command that does not read its stdin closes the pipe: EPIPE is ignored, not fatal.
        try? input.fileHandleForWriting.write(contentsOf: payload.json + Data("\n".utf8))
        try? input.fileHandleForWriting.close()

        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning {
            let pid = process.processIdentifier
            process.terminate()
            let grace = ContinuousClock.now + .seconds(1)
            while process.isRunning, ContinuousClock.now < grace { usleep(20_000) }
            if process.isRunning { kill(pid, SIGKILL) }
            process.waitUntilExit()
            return "\(program) did not finish within \(timeout.components.seconds) s and was killed"
        }
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let lastLine =
                (try? String(contentsOfFile: errorLog, encoding: .utf8))?
                .split(separator: "\n").last.map { ": \($0.prefix(200))" } ?? ""
            let how =
                process.terminationReason == .exit
                ? "exited with status \(process.terminationStatus)"
                : "was killed by signal \(process.terminationStatus)"
            return "\(program) \(how)\(lastLine)"
        }
        return nil
    }
}

/// What a notify command reads on stdin (one JSON object and a newline), and, flattened, in
/// its environment.
package struct NotifyPayload: Codable, Sendable, Equatable {
    package var schemaVersion: Int = 1
    /// `approved`, `failed`, `exhausted`, `needs_help`, `limit_wait` or `interrupted`.
    package var event: String
    /// The `events.jsonl` event it comes from (`run_finished`, `run_exhausted`, `limit_wait`…).
    package var sourceEvent: String
    package var ts: String
    package var taskID: String
    package var runID: String
    package var round: Int?
    package var result: String?
    package var reason: String?
    /// One line for a person: `loop: T-1 approved (round 2)`.
    package var message: String
    /// The source event's own fields, as in `events.jsonl`.
    package var fields: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case event, ts, round, result, reason, message, fields
        case schemaVersion = "schema_version"
        case sourceEvent = "source_event"
        case taskID = "task_id"
        case runID = "run_id"
    }

    package init(kind: String, event: Event) {
        self.event = kind
        sourceEvent = event.event
        ts = event.ts
        taskID = event.taskID
        runID = event.runID
        round = event.round
        fields = event.fields
        result = event.fields["result"]?.stringValue ?? (kind == "limit_wait" || kind == "needs_help" ? kind : nil)
        reason = event.fields["reason"]?.stringValue ?? event.fields["message"]?.stringValue
        var message = "loop: \(event.taskID) \(kind.replacingOccurrences(of: "_", with: " "))"
        if let round { message += " (round \(round))" }
        if let until = event.fields["until"]?.stringValue { message += " until \(until)" }
        if let reason { message += " — \(reason)" }
        self.message = message
    }

    var json: Data { (try? JSONEncoder.line.encode(self)) ?? Data("{}".utf8) }

    func environment(busDirectory: String) -> [String: String] {
        var environment = [
            "LOOP_EVENT": event, "LOOP_TASK_ID": taskID, "LOOP_RUN_ID": runID, "LOOP_MESSAGE": message,
            "LOOP_BUS_DIR": busDirectory, "LOOP_ROUND": round.map(String.init) ?? "",
            "LOOP_RESULT": result ?? "", "LOOP_REASON": reason ?? "",
        ]
        if let until = fields["until"]?.stringValue { environment["LOOP_LIMIT_UNTIL"] = until }
        return environment
    }
}
