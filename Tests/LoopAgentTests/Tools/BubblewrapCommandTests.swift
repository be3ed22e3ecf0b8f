import Foundation
import LoopCore
import Testing

@testable import LoopAgent

/// The bwrap command line and the command environment, checked without running anything.
struct BubblewrapCommandTests {
    @Test("mounts come in an order that keeps the workspace visible and its .git read-only")
    func mountOrder() throws {
        let fixture = try ToolSandboxFixture()
        defer { fixture.cleanUp() }
        try fixture.write(".git", "gitdir: /elsewhere/.git/worktrees/x\n")
        try fixture.write("hidden/.keep", "", under: fixture.root)
        let command = BubblewrapCommand(
            bwrapPath: "/usr/bin/bwrap", shellPath: "/bin/bash", workspace: fixture.root,
            environment: ["PATH": "/usr/bin", "HOME": "/tmp"], hiddenPaths: [fixture.root + "/hidden", "/no/such"],
            maxFileBytes: 64 << 20,
            mounts: SandboxMounts(entries: [.readOnly("/usr"), .symlink(path: "/bin", target: "usr/bin")]))
        let argv = command.arguments(for: "echo hi")
        let joined = argv.joined(separator: " ")
        let root = fixture.root
        func position(_ fragment: String) throws -> String.Index {
            try #require(joined.range(of: fragment), "missing \(fragment)").lowerBound
        }
        #expect(argv.first == "/usr/bin/bwrap")
        #expect(
            Array(argv.suffix(6)) == ["--", "/bin/bash", "-c", "ulimit -f 65536 || exit 126; eval \"$1\"", "loop-shell", "echo hi"])
        #expect(joined.contains("--size \(64 << 20) --tmpfs /tmp"), "the private /tmp is as large as the file limit")
        for flag in [
            "--unshare-all", "--unshare-net", "--die-with-parent", "--new-session", "--cap-drop ALL", "--clearenv",
        ] {
            #expect(joined.contains(flag), "\(flag)")
        }
        #expect(!joined.contains("--ro-bind / /"), "the host root is never bound as a whole")
        #expect(try position("--ro-bind /usr /usr") < position("--tmpfs /tmp"))
        #expect(joined.contains("--symlink usr/bin /bin"))
        #expect(try position("--tmpfs /tmp") < position("--bind \(root) \(root)"))
        #expect(try position("--bind \(root) \(root)") < position("--ro-bind \(root)/.git \(root)/.git"))
        #expect(try position("--bind \(root) \(root)") < position("--tmpfs \(root)/hidden"))
        #expect(!joined.contains("/no/such"), "missing hidden paths are skipped")
        #expect(joined.contains("--chdir \(root)"))
        #expect(joined.contains("--setenv HOME /tmp") && joined.contains("--setenv PATH /usr/bin"))
    }

    @Test("credential names are recognised and never passed, even when configured")
    func secretNames() {
        for name in ["OPENAI_API_KEY", "GITHUB_TOKEN", "AWS_SECRET", "DB_PASSWORD", "ANTHROPIC_API_KEY", "npm_token"] {
            #expect(ShellEnvironment.isSecretName(name), "\(name)")
        }
        for name in ["PATH", "HOME", "LANG", "KEYBOARD", "TOKENIZERS_PARALLELISM"] {
            #expect(!ShellEnvironment.isSecretName(name), "\(name)")
        }
        let environment = ShellEnvironment.make(
            host: ["PATH": "/bin", "GITHUB_TOKEN": "x", "SHELL": "/bin/zsh"], home: "/tmp",
            extra: ["CI": "1", "MY_API_KEY": "k"])
        #expect(environment["PATH"] == "/bin" && environment["CI"] == "1" && environment["TERM"] == "dumb")
        #expect(environment["GITHUB_TOKEN"] == nil && environment["MY_API_KEY"] == nil && environment["SHELL"] == nil)
    }
}
