import Foundation
package import LoopCore
import Synchronization

/// One scripted turn of a fake agent.
package enum FakeTurn: Sendable, Equatable {
    /// The worker changes files (paths relative to the workdir) and writes a work report.
    case work(FakeWork)
    /// The reviewer writes a review report.
    case review(FakeReview)
    /// The agent exits with this code and writes no report.
    case crash(exitCode: Int32)
    /// The dispatch is cancelled, as when the PM gets SIGINT while the agent runs.
    case cancelled
}

/// What a fake worker does in one turn.
package struct FakeWork: Sendable, Equatable {
    /// Files to write, relative to the workdir, with their content.
    package var files: [String: String]
    /// `done`, or `stopped` for a worker that got stuck.
    package var status: String
    package var stoppedReason: String?
    package var stuckOn: String?
    package var notes: String

    package init(
        files: [String: String] = [:], status: String = "done", stoppedReason: String? = nil, stuckOn: String? = nil,
        notes: String = "fake worker"
    ) {
        self.files = files
        self.status = status
        self.stoppedReason = stoppedReason
        self.stuckOn = stuckOn
        self.notes = notes
    }
}

/// What a fake reviewer decides in one turn.
package struct FakeReview: Sendable, Equatable {
    /// `approve` or `changes_required`.
    package var decision: String
    /// Reasons of the blocking issues.
    package var blocking: [String]
    package var summary: String

    package init(decision: String, blocking: [String] = [], summary: String = "fake review") {
        self.decision = decision
        self.blocking = blocking
        self.summary = summary
    }

    package static let approve = FakeReview(decision: "approve")

    package static func changesRequired(_ reasons: String...) -> FakeReview {
        FakeReview(decision: "changes_required", blocking: reasons)
    }
}

/// A dispatch the fake received, with what the agent could read when it started.
package struct FakeDispatch: Sendable {
    package var request: DispatchRequest
    /// The fix list file the worker was pointed at (`LOOP_FIX_LIST`), as it was then.
    package var fixList: String?
}

/// An `AgentDispatcher` that plays worker and reviewer from a script, in process: no agent
/// CLI, no model, no `loop` binary. The round engine cannot tell it from a real backend that
/// writes its report and exits.
///
/// Each role takes its next turn from its own queue; a role whose queue is empty crashes
/// (exit 1), so a test that dispatches more than it scripted fails loudly.
package final class FakeDispatcher: AgentDispatcher {
    private struct Script {
        var worker: [FakeTurn]
        var reviewer: [FakeTurn]
        var received: [FakeDispatch] = []
    }

    private let script: Mutex<Script>

    package init(worker: [FakeTurn], reviewer: [FakeTurn] = []) {
        script = Mutex(Script(worker: worker, reviewer: reviewer))
    }

    /// Every dispatch so far, in order.
    package var received: [FakeDispatch] { script.withLock { $0.received } }

    /// The dispatches of one role, in order.
    package func received(_ role: Role) -> [FakeDispatch] { received.filter { $0.request.role == role } }

    /// Turns not played yet, per role.
    package var remaining: (worker: Int, reviewer: Int) { script.withLock { ($0.worker.count, $0.reviewer.count) } }

    package func preflight(backend: String, role: Role, options: RunOptions) async -> [String] { [] }

    package func writesReport(backend: String) -> Bool { true }

    package func dispatch(_ request: DispatchRequest) async throws -> DispatchResult {
        let fixList = request.fixListPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
        let turn = script.withLock { script -> FakeTurn? in
            script.received.append(FakeDispatch(request: request, fixList: fixList))
            switch request.role {
            case .worker: return script.worker.isEmpty ? nil : script.worker.removeFirst()
            case .reviewer: return script.reviewer.isEmpty ? nil : script.reviewer.removeFirst()
            }
        }
        switch turn {
        case .work(let work):
            for (path, content) in work.files {
                let file = "\(request.workdir)/\(path)"
                try FileManager.default.createDirectory(
                    atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(content.utf8).write(to: URL(fileURLWithPath: file))
            }
            var report = identity(request)
            report["files_changed"] = work.files.keys.sorted()
            report["notes"] = work.notes
            report["tests"] = [Any]()
            report["status"] = work.status
            if let reason = work.stoppedReason { report["stopped_reason"] = reason }
            if let stuck = work.stuckOn { report["stuck_on"] = stuck }
            try write(report, to: request.reportPath)
            return DispatchResult(end: .exited, exitCode: 0, duration: 0.01, finalMessage: work.notes)
        case .review(let review):
            var report = identity(request)
            report["decision"] = review.decision
            report["blocking_issues"] = review.blocking.map { ["severity": "high", "file": "", "reason": $0] }
            report["summary"] = review.summary
            try write(report, to: request.reportPath)
            return DispatchResult(end: .exited, exitCode: 0, duration: 0.01, finalMessage: review.summary)
        case .crash(let code):
            return DispatchResult(end: .exited, exitCode: code, duration: 0.01, outputTail: "fake agent crashed")
        case .cancelled:
            return DispatchResult(end: .cancelled, exitCode: nil, duration: 0.01)
        case nil:
            return DispatchResult(
                end: .exited, exitCode: 1, duration: 0.01,
                outputTail: "the fake \(request.role.rawValue) has no scripted turn left")
        }
    }

    private func identity(_ request: DispatchRequest) -> [String: Any] {
        ["task_id": request.taskID, "round": request.round, "run_id": request.runID]
    }

    private func write(_ report: [String: Any], to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
