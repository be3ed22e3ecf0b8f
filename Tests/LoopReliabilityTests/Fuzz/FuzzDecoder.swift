#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore
import Testing

/// One bus decoder (or the config loader) under the property-based fuzzer, with the
/// properties that must hold for every input (the same ones `Sources/LoopFuzz` checks).
enum FuzzDecoder: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case taskCard = "task_card"
    case workReport = "work_report"
    case reviewReport = "review_report"
    case runState = "run_state"
    case fixList = "fix_list"
    case outcome
    case config

    var testDescription: String { rawValue }

    static let identity = ReportIdentity(taskID: "T-1", round: 2, runID: "run-20260101T000000-abcdef01.r2.reviewer1")
    static var identityFields: [String: Any] { ["task_id": "T-1", "round": 2, "run_id": identity.runID] }

    /// The committed seed corpus, `Tests/Fuzz/corpus/<decoder>/`.
    var seeds: [Data] {
        let folder = "\(Binary.packageRoot)/Tests/Fuzz/corpus/\(rawValue)"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        return names.compactMap { FileManager.default.contents(atPath: "\(folder)/\($0)") }
    }

    /// Runs one input; returns the properties it violated (empty when all hold). `scratch` is
    /// the file the decoders that read from disk get.
    func run(_ data: Data, scratch: ScratchFile) -> [String] {
        var violations: [String] = []
        func check(_ condition: Bool, _ message: @autoclosure () -> String) {
            if !condition { violations.append(message()) }
        }
        switch self {
        case .taskCard:
            if let reader = try? FieldReader(data: data, path: "task_card.json"), let card = try? TaskCard(reader: reader) {
                check(TaskCard.isValidTaskID(card.taskID), "accepted task_id \(card.taskID)")
                check(TaskCard.isLoopKitTaskID(card.cardTaskID), "accepted card task_id \(card.cardTaskID)")
                // An empty goal is loop-kit's default for a card without one, so it is accepted.
                check((card.maxRounds ?? 1) >= 1, "accepted max_rounds \(card.maxRounds ?? 0)")
            }
        case .workReport, .reviewReport:
            let path = scratch.overwrite(with: data)
            let identity = Self.identity
            func checkIdentity(_ task: String, _ round: Int, _ runID: String?) {
                check(task == identity.taskID && round == identity.round && runID == identity.runID,
                      "accepted a report for \(task)/\(round)/\(runID ?? "nil")")
            }
            if self == .workReport {
                if case .valid(let report) = ReportReader.checkWork(path, expecting: identity) {
                    checkIdentity(report.taskID, report.round, report.runID)
                }
            } else {
                switch ReportReader.checkReview(path, expecting: identity) {
                case .valid(let report):
                    checkIdentity(report.taskID, report.round, report.runID)
                    let decision = report.raw["decision"]?.stringValue
                    check(decision == "approve" || decision == "changes_required", "accepted decision \(decision ?? "nil")")
                case .invalid(let message), .stale(let message):
                    check(!message.isEmpty, "a rejection without a message")
                case .missing:
                    check(false, "a written report reads as missing")
                }
            }
        case .runState: violations += Self.roundTrip(RunState.self, data)
        case .fixList: violations += Self.roundTrip(FixList.self, data)
        case .outcome: violations += Self.roundTrip(Outcome.self, data)
        case .config:
            let path = scratch.overwrite(with: data)
            if let resolved = try? OptionResolver.resolve(configPath: path, environment: [:], flags: [:]) {
                _ = resolved.options.problems()
            }
        }
        return violations
    }

    /// A decoded value must survive encode → decode unchanged (what `save` then `load` does).
    private static func roundTrip<T: Codable & Equatable>(_ type: T.Type, _ data: Data) -> [String] {
        guard let value = try? JSONDecoder().decode(T.self, from: data) else { return [] }
        guard let encoded = try? JSONEncoder.bus.encode(value) else { return ["a decoded \(T.self) cannot be encoded"] }
        guard let again = try? JSONDecoder().decode(T.self, from: encoded) else { return ["a saved \(T.self) cannot be read back"] }
        return again == value ? [] : ["\(T.self) changes in an encode/decode round trip"]
    }
}

/// A file rewritten in place for every input (truncate + write on one descriptor): creating
/// and renaming a file per input costs milliseconds here, rewriting one costs microseconds.
final class ScratchFile {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SetupFailure("cannot open \(path): errno \(errno)") }
    }

    deinit { close(fd) }

    /// Replaces the file's bytes with `data`; returns its path.
    @discardableResult
    func overwrite(with data: Data) -> String {
        _ = ftruncate(fd, 0)
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = pwrite(fd, buffer.baseAddress?.advanced(by: offset), buffer.count - offset, off_t(offset))
                if written <= 0 { break }
                offset += written
            }
        }
        return path
    }
}
