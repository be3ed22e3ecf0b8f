package import FlyingFox
import Foundation
package import LoopCore

/// Answers every request of the dashboard: checks access, parses the route, reads the bus.
///
/// It only reads files and runs `git diff`; it never takes the bus lock and never writes, except
/// that `POST /api/control/<action>` (only with `--allow-control`) runs `loop <action>`, the
/// same command a person would type.
package struct DashboardHandler: HTTPHandler {
    package var paths: BusPaths
    package var access: AccessCheck
    /// The `loop` executable that control requests run; nil without `--allow-control`.
    package var controlExecutable: String?

    package init(paths: BusPaths, access: AccessCheck, controlExecutable: String?) {
        self.paths = paths
        self.access = access
        self.controlExecutable = controlExecutable
    }

    package func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        let decision = access.decide(
            authorization: request.headers[.authorization], cookie: request.headers[.cookie],
            host: request.headers[.host], queryToken: request.query["token"])
        if case .refused(let why) = decision {
            return Self.error(.unauthorized, why)
        }
        let route: Route
        do {
            route = try Route.parse(method: request.method.rawValue, path: request.path)
        } catch .notFound {
            return Self.error(.notFound, "No such page: \(request.method.rawValue) \(request.path)")
        } catch .invalid(let why) {
            return Self.error(.badRequest, why)
        }
        var response = await respond(to: route, request: request)
        if decision == .allowedSettingCookie, let cookie = access.setCookie {
            response.headers[.setCookie] = cookie
        }
        response.headers[HTTPHeader("X-Content-Type-Options")] = "nosniff"
        return response
    }

    private func respond(to route: Route, request: HTTPRequest) async -> HTTPResponse {
        switch route {
        case .page:
            return HTTPResponse(
                statusCode: .ok,
                headers: [
                    .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                    HTTPHeader("Content-Security-Policy"):
                        "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'",
                ],
                body: Data(DashboardPage.html.utf8))
        case .runs:
            return Self.json(RunsOverview(paths, control: controlExecutable != nil))
        case .tasks:
            return Self.json(TaskLocation.all(in: paths).map(TaskSummary.init))
        case .task(let id):
            guard let location = TaskLocation.find(id, in: paths) else { return unknownTask(id) }
            return Self.json(TaskDetail(location))
        case .round(let id, let round):
            guard let location = TaskLocation.find(id, in: paths) else { return unknownTask(id) }
            guard let detail = RoundDetail(location, round: round) else {
                return Self.error(.notFound, "Task \(id) has no round \(round) in its current run.")
            }
            return Self.json(detail)
        case .diff(let id, let round):
            guard let location = TaskLocation.find(id, in: paths) else { return unknownTask(id) }
            do {
                guard let diff = try await RoundDiff.read(location, round: round) else {
                    return Self.error(.notFound, "Task \(id) has no round \(round) in its current run.")
                }
                return Self.json(diff)
            } catch {
                return Self.error(.internalServerError, "git diff failed: \(error.localizedDescription)")
            }
        case .log(let id, let round, let role):
            guard let location = TaskLocation.find(id, in: paths) else { return unknownTask(id) }
            let limit = request.query["bytes"].flatMap(Int.init) ?? LogTail.defaultLimit
            guard let tail = LogTail.read(location, round: round, role: role, limit: limit) else {
                return Self.error(.notFound, "No \(role) log for round \(round) of task \(id).")
            }
            return Self.json(tail)
        case .events:
            let lastID =
                request.headers[HTTPHeader("Last-Event-ID")].flatMap { Int($0) }
                ?? request.query["last_event_id"].flatMap { Int($0) } ?? 0
            let tail = request.query["tail"].flatMap { Int($0) }
            let stream = EventStream(path: paths.events, afterLine: max(0, lastID), tail: tail.map { max(0, $0) })
            return HTTPResponse(
                statusCode: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                body: HTTPBodySequence(from: stream))
        case .control(let action):
            guard let controlExecutable else {
                return Self.error(
                    .forbidden, "Control is off: start loop serve with --allow-control to pause, continue or stop runs."
                )
            }
            // A page on another site can send a plain POST here but cannot add this header
            // (that needs a CORS preflight, which is never answered), so it cannot steer runs.
            guard request.headers[HTTPHeader("X-Loop-Control")] == "1" else {
                return Self.error(.forbidden, "Control requests need the header X-Loop-Control: 1.")
            }
            return await ControlForwarder(loop: controlExecutable, paths: paths).run(action)
        }
    }

    private func unknownTask(_ id: String) -> HTTPResponse {
        Self.error(.notFound, "No task \(id) on this bus (GET /api/tasks lists them).")
    }

    // MARK: - Responses

    /// A JSON body, keys sorted.
    static func json(_ value: some Encodable, status: HTTPStatusCode = .ok) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else {
            return error(.internalServerError, "The answer could not be encoded as JSON.")
        }
        return HTTPResponse(
            statusCode: status, headers: [.contentType: "application/json", .cacheControl: "no-store"], body: data)
    }

    /// `{"error": "<one line: what happened and what to do>"}` with the status.
    static func error(_ status: HTTPStatusCode, _ message: String) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(["error": message])) ?? Data()
        return HTTPResponse(statusCode: status, headers: [.contentType: "application/json"], body: body)
    }
}
