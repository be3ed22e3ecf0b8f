package import Foundation
import LoopCore

/// One bus decoder (or the config loader) under a fuzzer, with the properties that must hold
/// for every input: no input crashes a decoder; a report `ReportReader` accepts always carries
/// the expected task id, round and run id; an accepted task card has a valid task id; a
/// decoded state, fix list or outcome survives an encode/decode round trip unchanged.
///
/// Shared by the property fuzzer in `LoopReliabilityTests` and the libFuzzer target
/// `Sources/LoopFuzz`, so both check the same properties through the same dispatch.
package enum FuzzDecoder: String, CaseIterable, Sendable, CustomStringConvertible {
    case taskCard = "task_card"
    case workReport = "work_report"
    case reviewReport = "review_report"
    case runState = "run_state"
    case fixList = "fix_list"
    case outcome
    case config

    /// The raw value, so test arguments read `task_card`, not `taskCard`.
    package var description: String { rawValue }

    static let identity = ReportIdentity(taskID: "T-1", round: 2, runID: "run-20260101T000000-abcdef01.r2.reviewer1")
    package static var identityFields: [String: Any] { ["task_id": "T-1", "round": 2, "run_id": identity.runID] }

    /// The committed seed corpus, `Tests/Fuzz/corpus/<decoder>/`.
    package var seeds: [Data] {
        let folder = "\(LoopBinary.packageRoot)/Tests/Fuzz/corpus/\(rawValue)"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        return names.compactMap { FileManager.default.contents(atPath: "\(folder)/\($0)") }
    }

    /// The name of the scratch file for the decoders that read from disk.
    package var scratchFileName: String { self == .config ? "config.yaml" : "\(rawValue).json" }

    /// Runs one input; returns the properties it violated (empty when all hold). `scratch` is
    /// the file the decoders that read from disk get.
    package func run(_ data: Data, scratch: ScratchFile) -> [String] {
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
