import Foundation
import LoopCore
import LoopTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The README's own snippets, run as a new user would: a fresh `HOME`, `loop` on `PATH`, and
/// scripted stand-ins for codex, claude and `my-agent`. A README that drifts from the tool fails here.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ReadmeRuns {
    /// The README's text.
    static func readme() throws -> String {
        try String(contentsOfFile: LoopBinary.packageRoot + "/README.md", encoding: .utf8)
    }

    /// The fenced blocks of `language` in the section that starts with `heading`, in order.
    static func blocks(_ language: String, under heading: String, in text: String) throws -> [String] {
        let start = try #require(text.range(of: heading), "README has no \(heading)")
        var section = String(text[start.upperBound...])
        // The section ends at the next heading of level 2 or 3 (a lone `#` is a comment in a snippet).
        if let next = section.range(of: "\n##+ ", options: .regularExpression) {
            section = String(section[..<next.lowerBound])
        }
        var found: [String] = []
        var rest = section[...]
        while let open = rest.range(of: "```\(language)\n") {
            guard let close = rest[open.upperBound...].range(of: "\n```") else { break }
            found.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return found
    }

    /// A fresh HOME, and a `bin` folder holding `loop` and the scripted agents, first on PATH.
    static func newUser(_ repo: TestRepo, agents: [String: String]) throws -> [String: String] {
        let home = repo.root + "/home"
        let bin = repo.root + "/bin"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin + "/loop", withDestinationPath: LoopBinary.path)
        for (name, body) in agents {
            let script = try repo.agent(name, body)
            try FileManager.default.createSymbolicLink(atPath: "\(bin)/\(name)", withDestinationPath: script)
        }
        return ["HOME": home, "PATH": "\(bin):/usr/local/bin:/usr/bin:/bin", "NO_COLOR": "1"]
    }

    /// A stand-in that works as a worker and approves as a reviewer.
    static let agent = """
        if [ "$LOOP_ROLE" = worker ]; then change; work_report; else review_report approve; fi
        """

    @Test("the Quick start, run as written with codex and claude stand-ins, ends approved")
    func quickStart() async throws {
        let repo = try await TestRepo.make(initLoop: false)
        let text = try Self.readme()
        let snippet = try #require(try Self.blocks("sh", under: "## Quick start on your repository", in: text).first)
        #expect(snippet.contains("loop init") && snippet.contains("loop run"), "\(snippet)")
        var environment = try Self.newUser(repo, agents: ["codex": Self.agent, "claude": Self.agent])
        // The user's edit of the example card: a task this repository can do.
        let editor = try repo.agent(
            "editor",
            #"""
            printf '%s\n' '{"task_id": "readme", "goal": "Add work.txt", "in_scope": ["work.txt"], "out_of_scope": [],' \
              '"acceptance_criteria": ["work.txt exists"], "constraints": [], "verify": ["test -f work.txt"]}' >"$1"
            """#)
        environment["EDITOR"] = editor
        let script = snippet.replacingOccurrences(of: "cd your-repo", with: "cd '\(repo.path)'")

        let result = try await FirstHour.bash("set -euo pipefail\n" + script, in: repo.root, environment: environment)

        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("approved"), "\(result.stdout)")
        #expect(try await repo.git("show", "loop/readme:work.txt") == "round 1")
    }

    @Test("the command-backend snippet, merged into loop init's backends: as the README says, runs to approval")
    func commandBackendSnippet() async throws {
        let repo = try await TestRepo.make(initLoop: false)
        let text = try Self.readme()
        let heading = "### Your own agent: a `command` backend"
        let yaml = try #require(try Self.blocks("yaml", under: heading, in: text).first, "no yaml snippet")
        let command = try #require(try Self.blocks("sh", under: heading, in: text).first, "no command to run it")
        let environment = try Self.newUser(repo, agents: ["my-agent": Self.agent])
        let initialized = try await FirstHour.bash("loop init", in: repo.path, environment: environment)
        #expect(initialized.exitCode == 0, "\(initialized.stderr)")
        try repo.writeCard()

        // "Put the my-agent: lines under the existing backends: key."
        let lines = yaml.split(separator: "\n").map(String.init)
        let keyIndex = try #require(lines.firstIndex(of: "backends:"), "the snippet shows where it goes: \(yaml)")
        let entry = lines[(keyIndex + 1)...].joined(separator: "\n")
        var config = try repo.read(".loop/config.yaml").split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        let existing = try #require(config.firstIndex(of: "backends:"), "loop init wrote a backends: map")
        config.insert(entry, at: existing + 1)
        try repo.write(".loop/config.yaml", config.joined(separator: "\n"))

        let result = try await FirstHour.bash(
            "set -euo pipefail\n" + command, in: repo.path, environment: environment)

        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(try await repo.git("show", "loop/T-1:work.txt") == "round 1")
    }
}
