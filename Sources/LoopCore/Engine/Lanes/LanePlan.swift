import Foundation

/// The order lanes run in: stages, each holding the lanes whose dependencies are all in
/// earlier stages, ids sorted inside a stage (so merges happen in one documented order).
package struct LanePlan: Sendable, Equatable {
    package var stages: [[CardLane]]

    package enum Result: Sendable, Equatable {
        case planned(LanePlan)
        /// The lanes left over when no lane could be placed: they depend on each other.
        case cycle([String])
    }

    /// Plans `lanes` by dependency level (Kahn's algorithm, one level per stage).
    package static func make(_ lanes: [CardLane]) -> Result {
        var placed: Set<String> = []
        var left = lanes
        var stages: [[CardLane]] = []
        while !left.isEmpty {
            let ready = left.filter { lane in lane.dependsOn.allSatisfy { placed.contains($0) } }
            guard !ready.isEmpty else { return .cycle(left.map(\.laneID).sorted()) }
            stages.append(ready.sorted { $0.laneID < $1.laneID })
            placed.formUnion(ready.map(\.laneID))
            left.removeAll { lane in ready.contains { $0.laneID == lane.laneID } }
        }
        return .planned(LanePlan(stages: stages))
    }

    /// Every lane in run and merge order.
    package var orderedLanes: [CardLane] { stages.flatMap { $0 } }
}
