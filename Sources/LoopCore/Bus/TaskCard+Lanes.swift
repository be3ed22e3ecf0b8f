import Foundation

extension TaskCard {
    /// loop-kit's `lanes` and its `lane_*` settings. Refused until loop runs lanes: ignoring
    /// them would run a different task.
    static func laneProblems(_ reader: FieldReader) -> [LoopError] {
        guard let value = reader.object["lanes"], !TaskCard.isEmpty(value) else { return [] }
        return [
            LoopError.invalidField(
                path: reader.path, field: "lanes",
                expected:
                    "is not supported yet: loop does not run lanes yet, and ignoring them would run a different task; remove 'lanes' (run each part as its own card)"
            )
        ]
    }
}
