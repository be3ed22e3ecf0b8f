import Foundation
import LoopCore
import LoopTestSupport
import Testing

/// `/api/events`: the lines of `events.jsonl` as Server-Sent Events, live and resumable.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ServeEventsTests {
    @Test("events of a run in progress arrive in order, ids = line numbers; Last-Event-ID resumes after it")
    func eventsLiveInOrderAndResume() async throws {
        let repo = try await TestRepo.make()
        try repo.writeCard()
        try repo.useAgents(worker: AgentScript.heldWorker, reviewer: AgentScript.rejectOnce)
        let serve = try await ServeProcess(in: repo.path)
        let stream = StreamReader(serve.baseURL + "api/events")
        let run = repo.start()
        try await eventually("the worker runs") { repo.hasMarker("worker-started") }
        let before = try eventLines(repo).count
        try await eventually("the events so far arrived") { stream.events.count >= before }

        try repo.releaseWorker()
        let result = try await run.wait()
        #expect(result.exitCode == 0, "\(result.output)")
        let lines = try eventLines(repo)
        try await eventually("every event arrived") { stream.events.count >= lines.count }
        await stream.stop()
        let received = stream.events
        #expect(received.map(\.id) == Array(1...lines.count), "ids are the line numbers, in order, none twice")
        #expect(received.map(\.data) == lines, "each event is its line, unchanged")
        #expect(received.count > before, "events appended while the stream was open arrived too")
        #expect(received.contains { $0.data.contains(#""event":"round_started""#) && $0.data.contains(#""round":2"#) })

        let resumeAfter = lines.count / 2
        let resumed = StreamReader(serve.baseURL + "api/events", headers: ["Last-Event-ID: \(resumeAfter)"])
        try await eventually("the resumed stream caught up") { resumed.events.count >= lines.count - resumeAfter }
        await resumed.stop()
        #expect(resumed.events.map(\.id) == Array((resumeAfter + 1)...lines.count))
        #expect(resumed.events.map(\.data) == Array(lines[resumeAfter...]))
    }
}
