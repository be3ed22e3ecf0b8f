import Foundation

/// One line of `usage.jsonl`: one agent call (`source: agent`, written by the built-in agent
/// per model call) or one dispatch of an external CLI (`source: cli`, written by the PM).
///
/// Every field is optional and read leniently — a field of the wrong type reads as absent —
/// because the ledger is append-only and `loop cost` must sum what it can of any line.
package struct UsageEntry: Codable, BusLine, Sendable, Equatable {
    package var ts: String?
    package var taskID: String?
    /// The loop run's id.
    package var runID: String?
    /// The dispatch's id (what the reports echo as `run_id`).
    package var dispatchID: String?
    package var round: Int?
    package var role: String?
    package var backend: String?
    package var model: String?
    /// The built-in agent's step (model call) within its dispatch.
    package var step: Int?
    package var promptTokens: Int?
    package var cachedPromptTokens: Int?
    package var completionTokens: Int?
    /// Money as the CLI reported it; otherwise `loop cost` prices the tokens.
    package var costUSD: Double?
    package var wallS: Double?
    /// Time to the first token of the reply.
    package var ttftS: Double?
    /// `agent` or `cli`.
    package var source: String?

    enum CodingKeys: String, CodingKey {
        case ts, round, role, backend, model, step, source
        case taskID = "task_id"
        case runID = "run_id"
        case dispatchID = "dispatch_id"
        case promptTokens = "prompt_tokens"
        case cachedPromptTokens = "cached_prompt_tokens"
        case completionTokens = "completion_tokens"
        case costUSD = "cost_usd"
        case wallS = "wall_s"
        case ttftS = "ttft_s"
    }

    package init(
        ts: String? = Timestamp.now(), taskID: String?, runID: String?, dispatchID: String?, round: Int?,
        role: String?, backend: String?, model: String?, step: Int? = nil, promptTokens: Int? = nil,
        cachedPromptTokens: Int? = nil, completionTokens: Int? = nil, costUSD: Double? = nil, wallS: Double?,
        ttftS: Double? = nil, source: String?
    ) {
        self.ts = ts
        self.taskID = taskID
        self.runID = runID
        self.dispatchID = dispatchID
        self.round = round
        self.role = role
        self.backend = backend
        self.model = model
        self.step = step
        self.promptTokens = promptTokens
        self.cachedPromptTokens = cachedPromptTokens
        self.completionTokens = completionTokens
        self.costUSD = costUSD
        self.wallS = wallS
        self.ttftS = ttftS
        self.source = source
    }

    /// Reads any JSON object; a field of the wrong type reads as absent.
    package init(from decoder: any Decoder) throws {
        let object = try [String: JSONValue](from: decoder)
        func text(_ key: CodingKeys) -> String? { object[key.rawValue]?.stringValue }
        func whole(_ key: CodingKeys) -> Int? { object[key.rawValue]?.intValue }
        func number(_ key: CodingKeys) -> Double? { object[key.rawValue]?.numberValue }
        self.init(
            ts: text(.ts), taskID: text(.taskID), runID: text(.runID), dispatchID: text(.dispatchID),
            round: whole(.round), role: text(.role), backend: text(.backend), model: text(.model), step: whole(.step),
            promptTokens: whole(.promptTokens), cachedPromptTokens: whole(.cachedPromptTokens),
            completionTokens: whole(.completionTokens), costUSD: number(.costUSD), wallS: number(.wallS),
            ttftS: number(.ttftS), source: text(.source))
    }

    /// Seconds rounded to the millisecond, as the ledger keeps them.
    package static func seconds(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    /// Reads every line of a ledger that is a JSON object; torn or foreign lines are skipped.
    /// - Parameter containing: when given, only lines holding this text are decoded (a run id:
    ///   `loop status` reads one run's lines, and decoding every earlier run's made it slower
    ///   with every run the bus had seen).
    package static func load(_ path: String, containing text: String? = nil) -> [UsageEntry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        let lines = text.map { Self.lines(of: data, containing: Data($0.utf8)) } ?? data.split(separator: Self.newline)
        return lines.compactMap { line in try? decoder.decode(UsageEntry.self, from: Data(line)) }
    }

    private static let newline = UInt8(ascii: "\n")

    /// The lines of `data` that hold `needle`, found by searching the whole text for it rather
    /// than splitting every line first.
    private static func lines(of data: Data, containing needle: Data) -> [Data] {
        var found: [Data] = []
        var from = data.startIndex
        while from < data.endIndex, let hit = data.range(of: needle, in: from..<data.endIndex) {
            let start = data[from..<hit.lowerBound].lastIndex(of: newline).map { $0 + 1 } ?? from
            let end = data[hit.upperBound...].firstIndex(of: newline) ?? data.endIndex
            found.append(data[start..<end])
            from = end
        }
        return found
    }
}
