import FlyingFox
import Foundation
import LoopCore

/// `POST /api/control/<action>` (only with `--allow-control`): runs `loop pause`, `loop continue`
/// or `loop stop` on this bus, so the request is written by the same code, with the same checks
/// and messages, as when a person types the command.
struct ControlForwarder {
    /// The `loop` executable (next to `loop-serve`).
    var loop: String
    var paths: BusPaths

    func run(_ action: String) async -> HTTPResponse {
        guard Route.controlActions.contains(action) else {
            return DashboardHandler.error(.badRequest, "unknown control action \(action)")
        }
        do {
            let result = try await ProcessRunner.capture(
                [loop, action, "--loop-dir", paths.shared], in: paths.repository, environment: ["NO_COLOR": "1"],
                outputLimit: 64 * 1024)
            let message = (result.exitCode == 0 ? result.stdout : result.stderr)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return DashboardHandler.json(
                ControlAnswer(action: action, exitCode: result.exitCode, message: message),
                status: result.exitCode == 0 ? .ok : .conflict)
        } catch {
            return DashboardHandler.error(
                .internalServerError, "Cannot run \(loop) \(action): \(error.localizedDescription)")
        }
    }

    /// What `loop <action>` said.
    struct ControlAnswer: Codable {
        var action: String
        var exitCode: Int32
        var message: String

        enum CodingKeys: String, CodingKey {
            case action, message
            case exitCode = "exit_code"
        }
    }
}
