import Foundation
import Testing

@testable import LoopCore

/// `loop status` decodes only the current run's lines of usage.jsonl; it decoded every run's
/// before, and slowed with each run the bus had seen (50 ms at 2,000 lines).
@Suite struct UsageLinesTests {
    @Test("only the lines holding the run id are read: first, middle and a last line without a newline")
    func linesOfOneRun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("usage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func line(_ run: String, _ tokens: Int) -> String {
            #"{"run_id":"\#(run).r1.worker1","dispatch_id":"\#(run).r1.worker1","source":"agent","prompt_tokens":\#(tokens),"completion_tokens":1}"#
        }
        let text = [line("run-A", 10), line("run-B", 200), "", line("run-A", 20), line("run-B", 300), line("run-A", 30)]
            .joined(separator: "\n")
        let path = folder.appendingPathComponent("usage.jsonl").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))

        #expect(UsageEntry.load(path, containing: "run-A").map(\.promptTokens) == [10, 20, 30])
        #expect(UsageEntry.load(path, containing: "run-C").isEmpty)
        #expect(UsageEntry.load(path).count == 5)
    }
}
