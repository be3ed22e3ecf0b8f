import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What is in a report file right now, judged against the dispatch that should have written it.
package enum ReportCheck<Report: Sendable>: Sendable {
    case missing
    /// Well-formed but for another task, round or dispatch: never accepted.
    case stale(String)
    /// Not a valid report (bad JSON, wrong types, missing fields, a symlink, too big).
    case invalid(String)
    case valid(Report)
}

/// Identity a report must echo.
package struct ReportIdentity: Sendable, Equatable {
    package var taskID: String
    package var round: Int
    package var runID: String

    package init(taskID: String, round: Int, runID: String) {
        self.taskID = taskID
        self.round = round
        self.runID = runID
    }
}

/// Reads and judges report files. A report whose run id or round does not match is stale and
/// never accepted: that is what makes an approval trustworthy.
package enum ReportReader {
    package static func checkWork(_ path: String, expecting identity: ReportIdentity) -> ReportCheck<WorkReport> {
        check(path, identity) { try WorkReport(reader: $0) }
    }

    package static func checkReview(_ path: String, expecting identity: ReportIdentity) -> ReportCheck<ReviewReport> {
        check(path, identity) { try ReviewReport(reader: $0) }
    }

    private static func check<Report>(
        _ path: String, _ identity: ReportIdentity, decode: (FieldReader) throws -> Report
    ) -> ReportCheck<Report> {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            return .invalid("\(path) is not a regular file (a symlink or other special file); refused")
        }
        let reader: FieldReader
        do {
            reader = try FieldReader(data: try Filesystem.read(path), path: path)
        } catch {
            return .invalid(error.localizedDescription)
        }
        let object = reader.object
        let task = object["task_id"]?.stringValue
        let round = object["round"]?.intValue
        let runID = object["run_id"]?.stringValue
        if let task, task != identity.taskID {
            return .stale("task_id \"\(task)\" is not the current task \"\(identity.taskID)\"")
        }
        if let round, round != identity.round {
            return .stale("round \(round) is not the current round \(identity.round)")
        }
        if runID == nil, task != nil, round != nil {
            return .stale("it has no run_id; the current dispatch is \(identity.runID)")
        }
        if let runID, runID != identity.runID {
            return .stale("run_id \"\(runID)\" is not the current dispatch \"\(identity.runID)\"")
        }
        do {
            return .valid(try decode(reader))
        } catch {
            return .invalid(error.localizedDescription)
        }
    }
}
