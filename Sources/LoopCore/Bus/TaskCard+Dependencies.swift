import Foundation

extension TaskCard {
    /// loop-kit's task-level `depends_on` / `dependencies`. Refused until loop runs task
    /// dependencies: ignoring them would run a different task.
    static func dependencyProblems(_ reader: FieldReader) -> [LoopError] {
        ["depends_on", "dependencies"].compactMap { field in
            guard let value = reader.object[field], !TaskCard.isEmpty(value) else { return nil }
            return LoopError.invalidField(
                path: reader.path, field: field,
                expected:
                    "is not supported yet: loop does not run task dependencies yet, and ignoring them would run a different task; remove '\(field)' (run each part as its own card)"
            )
        }
    }
}
