import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// The page in a real browser: headless Chromium shows a run live as it goes.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ServePageTests {
    @Test(
        "Chromium loads the page during a run: the task row, its round advancing to the end, the timeline; screenshot saved",
        .enabled(if: HeadlessBrowser.shouldRun))
    func pageShowsARunLive() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: AgentScript.heldWorker, reviewer: AgentScript.rejectOnce)
        let serve = try await ServeProcess(in: repo.path)
        let run = repo.start()
        try await eventually("the worker runs") { repo.hasMarker("worker-started") }

        let browser = try await HeadlessBrowser(url: serve.baseURL)
        let row = #"document.querySelector('tr.task[data-task-id="T-1"]')"#
        try await browser.waitUntil(
            "the task row in round 1, working", "\(row)?.dataset.round === '1' && \(row)?.dataset.phase === 'working'")
        try await browser.waitUntil("the event stream open", "document.getElementById('conn').textContent === 'live'")

        try repo.releaseWorker()
        let result = try await run.wait()
        #expect(result.exitCode == 0, "\(result.output)")
        // No reload: only the page's event stream and its refreshes can move the row on.
        try await browser.waitUntil(
            "the row in round 2, done", "\(row)?.dataset.round === '2' && \(row)?.dataset.phase === 'done'")
        try await browser.waitUntil(
            "a timeline of two rounds", "document.querySelectorAll('#timeline button').length === 2")
        try await browser.waitUntil(
            "the round's approval", "document.getElementById('review').textContent.includes('approve')")
        try await browser.waitUntil(
            "events listed", "document.querySelectorAll('#events li').length >= 10")
        let roundCell = try await browser.evaluate("\(row).querySelector('td.round').textContent")
        #expect(roundCell.stringValue?.hasPrefix("2/") == true)

        let folder = LoopBinary.packageRoot + "/.build/test-artifacts/LoopServeTests"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let shot = folder + "/dashboard.png"
        try? FileManager.default.removeItem(atPath: shot)
        try await browser.screenshot(to: shot)
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG at \(shot)")
        #expect(png.count > 10_000, "the screenshot has content")
    }
}
