import Foundation
import LoopCore
import Testing

/// `scripts/test` and `scripts/reliability` tell the truth about the build they test: they
/// run copies of the real scripts with a fake `swift` (and `apt-get`) first on PATH.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ScriptTests {
    static let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// A temp project holding `script`, a bin folder with the host's tools minus `bwrap`,
    /// `swift` and `apt-get`, and fakes for those two.
    struct Project {
        let base: String
        let root: String
        let bin: String
        var built: String { base + "/built" }
        var tested: String { base + "/tested" }

        static let passingXunit =
            #"<testsuites><testsuite name="x" tests="1" failures="0" skipped="0"><testcase classname="A" name="a()"/></testsuite></testsuites>"#

        init(script: String, buildStatus: Int, git: Bool = false, xunit: String = Project.passingXunit) async throws {
            let raw = NSTemporaryDirectory() + "loop-scripts-\(UUID().uuidString)"
            base =
                PathProbe.realPath(NSTemporaryDirectory()).map { $0 + "/" + (raw as NSString).lastPathComponent } ?? raw
            root = base + "/project"
            bin = base + "/bin"
            let files = FileManager.default
            try files.createDirectory(atPath: root + "/scripts", withIntermediateDirectories: true)
            try files.createDirectory(atPath: bin, withIntermediateDirectories: true)
            try files.copyItem(
                atPath: ScriptTests.sourceRoot + "/scripts/" + script, toPath: root + "/scripts/" + script)
            for folder in ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
                for name in (try? files.contentsOfDirectory(atPath: folder)) ?? []
                where !["bwrap", "swift", "apt-get", "apt"].contains(name)
                    && !files.fileExists(atPath: bin + "/" + name)
                {
                    try? files.createSymbolicLink(atPath: bin + "/" + name, withDestinationPath: folder + "/" + name)
                }
            }
            try Self.executable(
                bin + "/swift",
                """
                #!/bin/bash
                case "$1" in
                build) echo "[1/3] Compiling Fake"; touch '\(base)/built'; exit \(buildStatus) ;;
                test) touch '\(base)/tested'; mkdir -p .build; echo '\(xunit)' > .build/xunit-swift-testing.xml; exit 0 ;;
                esac
                """)
            try Self.executable(bin + "/apt-get", "#!/bin/bash\necho 'E: fake apt-get cannot install' >&2\nexit 100\n")
            if git {
                try ".build/\n".write(toFile: root + "/.gitignore", atomically: false, encoding: .utf8)
                for arguments in [
                    ["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "s"],
                ] {
                    _ = try await ProcessRunner.capture(["git"] + arguments, in: root)
                }
            }
        }

        static func executable(_ path: String, _ text: String) throws {
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            chmod(path, 0o755)
        }

        func run(_ script: String, environment: [String: String] = [:]) async throws -> CaptureResult {
            var variables = [
                "PATH": bin, "HOME": base, "CI": "", "LOOP_TEST_OPENAI_BASE_URL": "http://127.0.0.1:9",
            ]
            variables.merge(environment) { $1 }
            return try await ProcessRunner.capture(
                ["bash", root + "/scripts/" + script], in: root, environment: variables)
        }

        func cleanUp() { try? FileManager.default.removeItem(atPath: base) }
    }

    @Test("scripts/test fails on a failed build that prints only progress lines, and runs no tests")
    func testScriptSeesBuildFailure() async throws {
        let project = try await Project(script: "test", buildStatus: 1)
        defer { project.cleanUp() }
        let result = try await project.run("test", environment: ["PATH": project.bin + ":/usr/bin"])
        #expect(result.exitCode != 0, "\(result.stdout)\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: project.built), "control: the fake build ran")
        #expect(!FileManager.default.fileExists(atPath: project.tested), "swift test --skip-build ran a stale build")
        #expect(result.stdout.contains("0 passed, 1 failed"))
    }

    @Test("scripts/test's closing line counts tests, not expectations: three failed expectations are one failed test")
    func testScriptCountsTests() async throws {
        let xunit =
            #"<testsuites><testsuite name="x" tests="5" failures="3" skipped="1">"#
            + #"<testcase classname="A" name="ok()"/>"#
            + #"<testcase classname="A" name="bad()"><failure message="1"/><failure message="2"/><failure message="3"/></testcase>"#
            + #"<testcase classname="A" name="later()"><skipped/></testcase>"#
            + #"</testsuite></testsuites>"#
        let project = try await Project(script: "test", buildStatus: 0, xunit: xunit)
        defer { project.cleanUp() }
        let result = try await project.run("test")
        #expect(result.stdout.split(separator: "\n").last == "1 passed, 1 failed, 1 skipped", "\(result.stdout)")
    }

    @Test("scripts/test with CI=true fails when bubblewrap cannot be installed, before building")
    func testScriptNeedsBwrapInCI() async throws {
        let project = try await Project(script: "test", buildStatus: 0)
        defer { project.cleanUp() }
        let result = try await project.run("test", environment: ["CI": "true"])
        #expect(result.exitCode != 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("installing bubblewrap failed"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: project.built))
        let local = try await project.run("test")
        #expect(local.exitCode == 0, "outside CI a missing bwrap only skips its tests: \(local.stdout)\(local.stderr)")
    }

    @Test("scripts/reliability refuses a dirty tree in one line, before building")
    func reliabilityRefusesDirtyTree() async throws {
        let project = try await Project(script: "reliability", buildStatus: 0, git: true)
        defer { project.cleanUp() }
        try "draft\n".write(toFile: project.root + "/draft.txt", atomically: false, encoding: .utf8)
        let result = try await project.run("reliability", environment: ["PATH": project.bin])
        #expect(result.exitCode == 1, "\(result.stdout)\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines.first?.contains("uncommitted changes") == true, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: project.built))
    }

    @Test("scripts/reliability always rebuilds and stops on a failed build, even with an old binary present")
    func reliabilityRebuilds() async throws {
        let project = try await Project(script: "reliability", buildStatus: 1, git: true)
        defer { project.cleanUp() }
        try FileManager.default.createDirectory(
            atPath: project.root + "/.build/debug", withIntermediateDirectories: true)
        try Project.executable(project.root + "/.build/debug/loop", "#!/bin/sh\nexit 0\n")
        let result = try await project.run("reliability", environment: ["PATH": project.bin])
        #expect(result.exitCode == 1, "\(result.stdout)\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: project.built), "it rebuilt")
        #expect(!FileManager.default.fileExists(atPath: project.tested), "a stale binary was tested")
        #expect(result.stderr.contains("build --build-tests failed"), "\(result.stderr)")
    }
}
