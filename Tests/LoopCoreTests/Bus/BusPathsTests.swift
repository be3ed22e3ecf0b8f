import Foundation
import LoopCore
import Testing

/// One list of per-round files serves round end, archive and reset.
@Suite struct BusPathsTests {
    @Test("every per-round file is one a reset clears, and the verify files live in the scratch folder")
    func roundFilesAreRunFiles() {
        let paths = BusPaths(loopDir: ".loop", cwd: "/repo")
        #expect(Set(paths.roundFiles).isSubset(of: Set(paths.runFiles)))
        #expect(paths.verifyResults == "/repo/.loop/run/\(BusPaths.verifyResults)")
        #expect(paths.baselineVerify == "/repo/.loop/run/\(BusPaths.baselineVerify)")
        #expect(!paths.runFiles.contains(paths.state) && !paths.runFiles.contains(paths.taskCard))
    }

    @Test("a round's archive holds its round files, state, card and prompts under their own names")
    func keepRoundArchivesRoundFiles() throws {
        let dir = try TempDir()
        let paths = BusPaths(loopDir: ".loop", cwd: dir.path)
        let card = try dir.write("card.json", "{}")
        for file in paths.roundFiles + [paths.state] + Role.allCases.map(paths.prompt) {
            _ = try dir.write(String(file.dropFirst(dir.path.count + 1)), "x")
        }
        try Archive(paths: paths, taskID: "T", runID: "run").keepRound(1, taskPath: card)
        let kept = Set(try FileManager.default.contentsOfDirectory(atPath: paths.archiveDirectory(task: "T", run: "run")))
        #expect(
            kept == [
                "r1_task_card.json", "r1_work_report.json", "r1_review_request.json", "r1_review_report.json",
                "r1_verify.json", "r1_baseline_verify.json", "r1_state.json", "r1_worker_prompt.txt",
                "r1_reviewer_prompt.txt",
            ])
    }
}
