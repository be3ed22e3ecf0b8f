import Foundation
package import LoopCore

/// Who this agent is on the bus: read from the `LOOP_*` environment the PM sets for every agent.
package struct AgentContext: Sendable, Equatable {
    package var role: Role
    package var taskID: String
    package var round: Int
    /// The dispatch's run id, which the report must echo.
    package var runID: String
    package var workdir: String
    package var reportPath: String
    package var busDir: String
    package var promptFile: String

    package init(
        role: Role, taskID: String, round: Int, runID: String, workdir: String, reportPath: String, busDir: String,
        promptFile: String
    ) {
        self.role = role
        self.taskID = taskID
        self.round = round
        self.runID = runID
        self.workdir = workdir
        self.reportPath = reportPath
        self.busDir = busDir
        self.promptFile = promptFile
    }

    /// Reads the context from `LOOP_*` variables; names what is missing.
    package static func fromEnvironment(_ environment: [String: String]) throws -> AgentContext {
        func value(_ name: String) throws -> String {
            guard let text = environment[name], !text.isEmpty else {
                throw AgentFailure("\(name) is not set: `loop agent` runs as a backend under `loop run`, which sets LOOP_*.", isPermanent: true)
            }
            return text
        }
        guard let role = Role(rawValue: try value("LOOP_ROLE")) else {
            throw AgentFailure("LOOP_ROLE must be worker or reviewer", isPermanent: true)
        }
        guard let round = Int(try value("LOOP_ROUND")) else { throw AgentFailure("LOOP_ROUND must be a number", isPermanent: true) }
        return AgentContext(
            role: role, taskID: try value("LOOP_TASK_ID"), round: round, runID: try value("LOOP_RUN_ID"),
            workdir: try value("LOOP_WORKDIR"), reportPath: try value("LOOP_REPORT_PATH"), busDir: try value("LOOP_BUS_DIR"),
            promptFile: try value("LOOP_PROMPT_FILE"))
    }

    /// The run's id (the dispatch id without its `.r<N>.<role><attempt>` suffix).
    package var loopRunID: String { String(runID.split(separator: ".").first ?? Substring(runID)) }
}
