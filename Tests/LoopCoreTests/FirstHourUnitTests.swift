import Foundation
import Testing

@testable import LoopCore

@Suite(.timeLimit(.minutes(1)))
struct GitLockRetryTests {
    /// A repository with one commit and a change to commit.
    static func repository(_ dir: TempDir) async throws -> Git {
        let git = Git(directory: dir.path)
        try await git.output(["init", "-q", "-b", "main"])
        try await git.output(["config", "user.email", "t@loop.invalid"])
        try await git.output(["config", "user.name", "t"])
        _ = try dir.write("a.txt", "a\n")
        try await git.output(["add", "-A"])
        try await git.output(["commit", "-q", "-m", "one"])
        _ = try dir.write("a.txt", "b\n")
        return git
    }

    @Test("a git command that finds index.lock held waits for the other git and then succeeds")
    func retriesWhileLockHeld() async throws {
        let dir = try TempDir()
        let git = try await Self.repository(dir)
        let lock = dir.path + "/.git/index.lock"
        _ = FileManager.default.createFile(atPath: lock, contents: Data())
        let release = Task {
            try await Task.sleep(for: .milliseconds(300))
            try FileManager.default.removeItem(atPath: lock)
        }
        try await git.output(["add", "a.txt"])
        try await release.value
        let staged = try await git.output(["diff", "--cached", "--name-only"])
        #expect(staged == "a.txt\n")
    }

    @Test("a lock that is never released still fails, with git's own message")
    func failsWhenLockStaysHeld() async throws {
        let dir = try TempDir()
        let git = try await Self.repository(dir)
        _ = FileManager.default.createFile(atPath: dir.path + "/.git/index.lock", contents: Data())
        await #expect(throws: LoopError.self) { try await git.output(["add", "a.txt"]) }
    }

    @Test(
        "lock-held messages are recognised, other failures are not",
        arguments: [
            (
                "fatal: Unable to create '/r/.git/index.lock': File exists.\n\nAnother git process seems to be running",
                true
            ),
            (
                "error: cannot lock ref 'refs/heads/loop/B': Unable to create '/r/.git/refs/heads/loop/B.lock': File exists.",
                true
            ),
            ("fatal: not a git repository (or any of the parent directories): .git", false),
            ("error: pathspec 'x' did not match any file(s) known to git", false),
        ])
    func recognisesLockMessages(_ stderr: String, _ isLock: Bool) {
        #expect(Git.isLockHeld(stderr) == isLock)
    }
}

@Suite struct HumanAgeTests {
    static let cases: [(Double, String)] = [
        (0.4, "just now"), (12, "12 s ago"), (59.9, "59 s ago"), (60, "1 min ago"), (877, "14 min ago"),
        (3600, "1 h ago"), (11_100, "3 h 5 min ago"), (86_400, "1 day ago"), (259_200, "3 days ago"),
    ]

    @Test("ages read as people say them", arguments: cases)
    func ages(_ seconds: Double, _ expected: String) {
        #expect(HumanAge.ago(seconds: seconds) == expected)
    }
}

@Suite struct YAMLProblemTests {
    @Test("a YAML syntax error names line and column and shows at most three numbered lines")
    func syntaxError() throws {
        let dir = try TempDir()
        let lines = (1...40).map { "key\($0): \($0)" }
        var text = lines
        text[19] = "key20: [unclosed"
        let path = try dir.write("config.yaml", text.joined(separator: "\n") + "\n")
        #expect(throws: LoopError.self) {
            _ = try OptionResolver.resolve(configPath: path, environment: [:], flags: [:])
        }
        do {
            _ = try OptionResolver.resolve(configPath: path, environment: [:], flags: [:])
        } catch {
            let message = error.localizedDescription
            let shown = message.split(separator: "\n")
            #expect(shown.first?.hasPrefix("\(path):2") == true, "\(message)")
            #expect(shown.count <= 4, "\(message)")
            #expect(!message.contains("key1: 1\n"), "\(message)")
        }
    }
}

@Suite struct JSONSyntaxLocatorTests {
    static let cases: [(String, String?)] = [
        ("{\"a\": 1}", nil),
        ("{\n  \"a\": [1, 2.5e3, -0, true, false, null, \"x\\n\"],\n  \"b\": {}\n}\n", nil),
        (
            "{\n  \"task_id\": \"T\",\n  \"goal\": \"g\",\n}\n",
            "line 4, column 1: a trailing ',' before '}' is not allowed"
        ),
        ("{\n  \"a\": 1\n  \"b\": 2\n}", "line 3, column 3: expected ',' or '}' after the value"),
        ("{\n  'a': 1\n}", "line 2, column 3: expected a field name in double quotes"),
        ("{\"a\": \"open", "line 1, column 7: this string is never closed with '\"'"),
        ("{\"a\": \"é\" x}", "line 1, column 11: expected ',' or '}' after the value"),
        ("", "line 1, column 1: the file ends where a value was expected"),
    ]

    @Test("the first syntax error is named by line and column", arguments: cases)
    func locates(_ text: String, _ expected: String?) {
        #expect(JSONSyntaxLocator.locate(in: Data(text.utf8))?.description == expected)
    }
}
