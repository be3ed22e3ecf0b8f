#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation
import LoopCore

/// One bus decoder (or the config loader) as a fuzz target, with the properties that must
/// hold for every input — a violation stops the process (a crash for libFuzzer).
///
/// Properties: no input crashes a decoder; a report `ReportReader` accepts always carries
/// the expected task id, round and run id; an accepted task card has a valid task id and a
/// goal; a decoded state, fix list or outcome survives an encode/decode round trip unchanged.
enum FuzzTarget: String, CaseIterable, Sendable {
    case taskCard = "task_card"
    case workReport = "work_report"
    case reviewReport = "review_report"
    case runState = "run_state"
    case fixList = "fix_list"
    case outcome
    case config

    static let identity = ReportIdentity(taskID: "T-1", round: 2, runID: "run-20260101T000000-abcdef01.r2.reviewer1")

    /// A scratch file for the decoders that read from disk.
    static let scratch: String = {
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm/" : NSTemporaryDirectory()
        let folder = base + "loop-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }()

    /// Runs one input; stops the process when a property does not hold.
    func run(_ data: Data) {
        switch self {
        case .taskCard:
            guard let reader = try? FieldReader(data: data, path: "task_card.json"),
                let card = try? TaskCard(reader: reader)
            else { return }
            check(TaskCard.isValidTaskID(card.taskID), "accepted task_id \(card.taskID)")
            check(TaskCard.isLoopKitTaskID(card.cardTaskID), "accepted card task_id \(card.cardTaskID)")
            // An empty goal is loop-kit's default for a card without one, so it is accepted.
            check((card.maxRounds ?? 1) >= 1, "accepted max_rounds \(card.maxRounds ?? 0)")
        case .workReport:
            let path = write(data, as: "work_report.json")
            if case .valid(let report) = ReportReader.checkWork(path, expecting: Self.identity) {
                checkIdentity(report.taskID, report.round, report.runID)
            }
        case .reviewReport:
            let path = write(data, as: "review_report.json")
            switch ReportReader.checkReview(path, expecting: Self.identity) {
            case .valid(let report):
                checkIdentity(report.taskID, report.round, report.runID)
                let decision = report.raw["decision"]?.stringValue
                check(decision == "approve" || decision == "changes_required", "accepted decision \(decision ?? "nil")")
            case .invalid(let message), .stale(let message):
                check(!message.isEmpty, "an empty rejection message")
            case .missing:
                check(false, "a written report reads as missing")
            }
        case .runState:
            roundTrip(RunState.self, data)
        case .fixList:
            roundTrip(FixList.self, data)
        case .outcome:
            roundTrip(Outcome.self, data)
        case .config:
            let path = write(data, as: "config.yaml")
            if let resolved = try? OptionResolver.resolve(configPath: path, environment: [:], flags: [:]) {
                _ = resolved.options.problems()
            }
        }
    }

    /// Rewrites one scratch file in place (truncate + write): creating and renaming a file per
    /// input costs milliseconds on some filesystems, rewriting one costs microseconds.
    private func write(_ data: Data, as name: String) -> String {
        let path = "\(Self.scratch)/\(name)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return path }
        defer { close(fd) }
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Platform.write(fd, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
        return path
    }

    private func checkIdentity(_ task: String, _ round: Int, _ runID: String?) {
        check(task == Self.identity.taskID, "accepted task_id \(task)")
        check(round == Self.identity.round, "accepted round \(round)")
        check(runID == Self.identity.runID, "accepted run_id \(runID ?? "nil")")
    }

    private func roundTrip<T: Codable & Equatable>(_ type: T.Type, _ data: Data) {
        guard let value = try? JSONDecoder().decode(T.self, from: data) else { return }
        guard let encoded = try? JSONEncoder.bus.encode(value) else { return check(false, "cannot encode a decoded \(T.self)") }
        let again = try? JSONDecoder().decode(T.self, from: encoded)
        check(again == value, "\(T.self) changes in an encode/decode round trip")
    }

    private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        guard !condition else { return }
        FileHandle.standardError.write(Data("LoopFuzz[\(rawValue)]: property violated: \(message())\n".utf8))
        abort()
    }
}
