import Foundation

/// The tasks of a batch, checked before anything starts: every card loads, no task appears
/// twice, every dependency is a task of the batch or one already approved, and there is no
/// cycle. Each problem is refused in one line, so a batch never stops half-way on a mistake
/// in its cards.
package struct BatchPlan: Sendable {
    package struct Task: Sendable, Equatable {
        package var card: TaskCard
        package var cardPath: String
        /// Dependencies that are tasks of this batch.
        package var dependsOn: [String]
        /// Dependencies outside the batch, already approved: their approved commits (for the
        /// task's base), nil for ones without a commit to build on (loop-kit's `status: done`).
        package var approvedOutside: [String: String?]

        package var taskID: String { card.taskID }
    }

    /// Tasks in start order: every task after the tasks it depends on, otherwise as given.
    package var tasks: [Task]

    /// Loads and checks the cards.
    /// - Throws: `LoopError.config` (one line) for a duplicate, a missing card, a dependency
    ///   not in the batch and not approved, or a cycle; the card's own error for a bad card.
    package init(cardPaths: [String], paths: BusPaths) throws {
        var loaded: [Task] = []
        for path in cardPaths {
            let card = try TaskCard.load(from: path)
            if let other = loaded.first(where: { $0.taskID == card.taskID }) {
                throw LoopError.config(
                    "Task \(card.taskID) is in the batch twice (\(paths.display(other.cardPath)) and \(paths.display(path))); give each card its own task_id."
                )
            }
            loaded.append(Task(card: card, cardPath: path, dependsOn: [], approvedOutside: [:]))
        }
        let history = TaskHistory(paths: paths)
        let locator = TaskCardLocator(folder: paths.tasks)
        let byCardID = Dictionary(
            loaded.map { ($0.card.cardTaskID, $0.taskID) }, uniquingKeysWith: { first, _ in first })
        for index in loaded.indices {
            for dependency in loaded[index].card.dependencies {
                if let inBatch = byCardID[dependency] {
                    loaded[index].dependsOn.append(inBatch)
                    continue
                }
                if history.isApproved(task: dependency) {
                    let head = history.lastOutcome(task: dependency).flatMap {
                        $0.result == .approved ? $0.headSHA : nil
                    }
                    loaded[index].approvedOutside[dependency] = .some(head)
                    continue
                }
                let task = loaded[index].card.cardTaskID
                if let card = try locator.find(dependency) {
                    throw LoopError.config(
                        "Task \(task) depends on \(dependency), which is not in this batch and not approved yet; add --task \(paths.display(card)), or run every card with --all."
                    )
                }
                throw LoopError.config(
                    "Task \(task) depends on \(dependency), but \(paths.display(paths.tasks)) has no card for it; add its card (named \(dependency).json) or remove the dependency."
                )
            }
        }
        tasks = try Self.ordered(loaded)
    }

    /// Dependencies first (a stable topological order); a cycle is refused, named in full.
    static func ordered(_ tasks: [Task]) throws -> [Task] {
        let index = Dictionary(uniqueKeysWithValues: tasks.map { ($0.taskID, $0) })
        var done: Set<String> = []
        var visiting: [String] = []
        var order: [Task] = []
        func visit(_ id: String) throws {
            if done.contains(id) { return }
            if let start = visiting.firstIndex(of: id) {
                let cycle = (visiting[start...] + [id]).joined(separator: " → ")
                throw LoopError.config(
                    "The task dependencies form a cycle (\(cycle)), so none of them could ever start; remove one depends_on."
                )
            }
            guard let task = index[id] else { return }
            visiting.append(id)
            for dependency in task.dependsOn { try visit(dependency) }
            visiting.removeLast()
            done.insert(id)
            order.append(task)
        }
        for task in tasks { try visit(task.taskID) }
        return order
    }

    /// Whether `later` depends on `earlier`, directly or through other tasks.
    package func dependsOn(_ later: String, _ earlier: String) -> Bool {
        var seen: Set<String> = []
        var queue = [later]
        while let id = queue.popLast() {
            guard seen.insert(id).inserted, let task = tasks.first(where: { $0.taskID == id }) else { continue }
            if task.dependsOn.contains(earlier) { return true }
            queue += task.dependsOn
        }
        return false
    }

    /// One warning per pair of tasks that may run at the same time (neither depends on the
    /// other) and whose `in_scope` paths overlap: their branches will likely conflict.
    package var overlapWarnings: [String] {
        var warnings: [String] = []
        for (offset, first) in tasks.enumerated() {
            for second in tasks[(offset + 1)...] {
                guard !dependsOn(first.taskID, second.taskID), !dependsOn(second.taskID, first.taskID) else { continue }
                let shared = Self.overlap(first.card.inScope, second.card.inScope)
                guard !shared.isEmpty else { continue }
                warnings.append(
                    "tasks \(first.taskID) and \(second.taskID) may run at the same time and both have \(shared.joined(separator: ", ")) in scope; their branches may conflict when merged (add depends_on to order them)"
                )
            }
        }
        return warnings
    }

    /// The scope entries of `first` that overlap an entry of `second` (same path, a folder
    /// holding the other, or a glob covering it).
    static func overlap(_ first: [String], _ second: [String]) -> [String] {
        let left = first.compactMap(PathPattern.scopeEntry)
        let right = second.compactMap(PathPattern.scopeEntry)
        var found: [String] = []
        for a in left where !found.contains(a) {
            if right.contains(where: { b in a == b || PathPattern.covers(a, b) || PathPattern.covers(b, a) }) {
                found.append(a)
            }
        }
        return found
    }
}
