import Foundation
import LoopTestSupport
import Testing

/// `loop demo` on a machine without bubblewrap says how to get it, at once, in one line.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DemoPreflightTests {
    @Test("without bwrap, loop demo stops first with one line naming the install, and creates nothing")
    func demoNamesBwrap() async throws {
        let repo = try await TestRepo.make(git: false, initLoop: false)
        let bin = repo.root + "/bin-without-bwrap"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for tool in ["git", "bash", "sh", "env"] {
            try? FileManager.default.createSymbolicLink(
                atPath: "\(bin)/\(tool)", withDestinationPath: "/usr/bin/\(tool)")
        }
        let folder = repo.root + "/demo"
        let result = try await runLoop(
            ["demo", "--scripted", "--dir", folder], in: repo.root, environment: ["PATH": bin])
        #expect(result.exitCode != 0, "\(result.output)")
        let lines = result.stderr.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(
            lines.first?.contains("apt-get install bubblewrap") == true
                && lines.first?.contains("--unsafe-shell") == true)
        #expect(!FileManager.default.fileExists(atPath: folder), "nothing was created")
        #expect(result.seconds < 10)
    }
}
