import FlyingFox
import Foundation
import Logging

/// The HTTP admin API: health, readiness and metrics for probes and scrapers, and under `/v1` (bearer token
/// compared in constant time) rooms, users, participants, stats, drain, log levels and the OpenAPI document. JSON
/// everywhere, errors as `{"error": {"code": "...", "message": "..."}}` (see `AdminError`).
///
/// Each request is routed here (one table, so a known path with the wrong method gets 405, not 404); what changes
/// state goes through `AdminService`, which stores it and then applies it on the signaling queue.
final class AdminServer: Sendable {
    private let server: HTTPServer
    private let router: Router
    let address: String

    /// Largest request body accepted (rooms and users are small).
    static let maximumBodyBytes = 64 * 1024

    /// The node's life as the API sees it.
    struct Lifecycle: Sendable {
        let isDraining: @Sendable () -> Bool
        /// Starts draining (idempotent); returns the calls in progress.
        let drain: @Sendable () -> Int
        let statistics: @Sendable () -> SignalingStatistics
        let started: Date
    }

    init(host: String, port: UInt16, token: String?, service: AdminService, lifecycle: Lifecycle,
         logger: Logger) throws {
        router = Router(token: token.flatMap { $0.isEmpty ? nil : Array($0.utf8) }, service: service,
                        lifecycle: lifecycle, logger: logger)
        // FlyingFox logs every connection to stdout by default; the bridge logs what matters itself.
        server = HTTPServer(address: try sockaddr_in.inet(ip4: host, port: port), timeout: 15, logger: .disabled)
        address = "http://\(host):\(port)"
    }

    /// Every method FlyingFox's "*" knows, and QUERY, go to the router (which answers 405 where they do not apply).
    static let routedMethods: Set<HTTPMethod> = Set(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS",
                                                     "CONNECT", "TRACE", "QUERY"].map { HTTPMethod($0) })

    func run() async throws {
        await server.appendRoute(HTTPRoute(methods: Self.routedMethods, path: "*")) { [router] request in
            await router.handle(request)
        }
        try await server.run()
    }

    /// Routes every request, whatever its method (so an unknown method on a known path gets 405, not 404).
    struct Router: Sendable {
        let token: [UInt8]?
        let service: AdminService
        let lifecycle: Lifecycle
        let logger: Logger

        func handle(_ request: HTTPRequest) async -> HTTPResponse {
            do {
                return try await route(request)
            } catch let error as AdminError {
                if error.status != .unauthorized, error.status != .notFound {
                    logger.info("admin request refused", metadata: [
                        "method": "\(request.method.rawValue)", "path": "\(request.path)", "code": "\(error.code)"])
                }
                return error.response
            } catch {
                logger.error("admin request failed", metadata: ["path": "\(request.path)", "error": "\(error)"])
                return AdminServer.error(.internalServerError, "internal", "\(error)")
            }
        }

        private func route(_ request: HTTPRequest) async throws -> HTTPResponse {
            // FlyingFox has standardized the path already ("/v1/rooms/" is "/v1/rooms").
            let path = request.path.split(separator: "/").map(String.init)
            let method = request.method.rawValue
            switch path {
            case ["healthz"]:
                try allow(method, ["GET"])
                return AdminServer.json(["status": "ok"])
            case ["readyz"]:
                try allow(method, ["GET"])
                return lifecycle.isDraining()
                    ? AdminServer.json(Readiness(ready: false, reason: "draining"), status: .serviceUnavailable)
                    : AdminServer.json(Readiness(ready: true, reason: nil))
            case ["metrics"]:
                try allow(method, ["GET"])
                let statistics = lifecycle.statistics()
                BridgeMetrics.shared.setActive(rooms: statistics.roomsWithCalls, participants: statistics.calls)
                return HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                    body: Data(BridgeMetrics.shared.exposition()))
            case ["v1", "openapi.yaml"]:
                try allow(method, ["GET"])
                return HTTPResponse(statusCode: .ok, headers: [.contentType: "application/yaml"],
                                    body: Data(OpenAPIDocument.yaml.utf8))
            default:
                break
            }
            guard path.first == "v1" else { throw AdminError.notFound("\(method) \(request.path)") }
            try authorize(request)
            switch Array(path.dropFirst()) {
            case ["version"]:
                try allow(method, ["GET"])
                return AdminServer.json(["name": "clue-mcu", "api": "v1", "version": BridgeVersion.string])
            case ["rooms"]:
                try allow(method, ["GET", "POST"])
                if method == "GET" { return AdminServer.json(RoomList(rooms: await service.rooms())) }
                let body = try await AdminServer.body(request, allowed: AdminService.allowedRoomFields)
                let room = try await service.createRoom(body)
                var response = AdminServer.json(room, status: .created)
                response.headers[.location] = "/v1/rooms/\(room.id)"
                return response
            case let parts where parts.count == 2 && parts[0] == "rooms":
                let id = parts[1]
                try allow(method, ["GET", "PATCH", "DELETE"])
                switch method {
                case "GET": return AdminServer.json(try await service.room(id))
                case "PATCH":
                    let body = try await AdminServer.body(request, allowed: AdminService.allowedRoomPatchFields)
                    return AdminServer.json(try await service.updateRoom(id, body))
                default:
                    let hungUp = try await service.deleteRoom(id)
                    return AdminServer.json(Deleted(id: id, hungUp: hungUp))
                }
            case let parts where parts.count == 3 && parts[0] == "rooms" && parts[2] == "lock":
                try allow(method, ["POST", "DELETE"])
                return AdminServer.json(try await service.setLocked(parts[1], method == "POST"))
            case let parts where parts.count == 3 && parts[0] == "rooms" && parts[2] == "participants":
                try allow(method, ["GET"])
                return AdminServer.json(ParticipantList(participants: try await service.participants(in: parts[1])))
            case let parts where parts.count == 4 && parts[0] == "rooms" && parts[2] == "participants":
                try allow(method, ["DELETE"])
                try await service.kick(parts[3], in: parts[1])
                return AdminServer.json(Kicked(id: parts[3], status: "hanging_up"), status: .accepted)
            case let parts where parts.count == 5 && parts[0] == "rooms" && parts[2] == "participants" && parts[4] == "mute":
                try allow(method, ["POST"])
                let body = try await AdminServer.body(request, allowed: ["media", "muted"])
                return AdminServer.json(try await service.mute(parts[3], in: parts[1], body))
            case ["users"]:
                try allow(method, ["GET", "POST"])
                if method == "GET" { return AdminServer.json(UserList(users: await service.users())) }
                let body = try await AdminServer.body(request, allowed: ["name", "password"])
                let user = try await service.createUser(body)
                var response = AdminServer.json(user, status: .created)
                response.headers[.location] = "/v1/users/\(user.name)"
                return response
            case let parts where parts.count == 2 && parts[0] == "users":
                try allow(method, ["GET", "PATCH", "DELETE"])
                switch method {
                case "GET": return AdminServer.json(try await service.user(parts[1]))
                case "PATCH":
                    let body = try await AdminServer.body(request, allowed: ["password"])
                    return AdminServer.json(try await service.updateUser(parts[1], body))
                default:
                    try await service.deleteUser(parts[1])
                    return AdminServer.json(["name": parts[1]])
                }
            case ["stats"]:
                try allow(method, ["GET"])
                return AdminServer.json(Stats(lifecycle.statistics(), rooms: await service.rooms().count,
                                       users: await service.users().count, started: lifecycle.started))
            case ["node", "drain"]:
                try allow(method, ["POST"])
                let calls = lifecycle.drain()
                return AdminServer.json(DrainStatus(draining: true, calls: calls), status: .accepted)
            case ["log", "levels"]:
                try allow(method, ["GET", "PUT"])
                if method == "PUT" { try AdminServer.setLogLevels(try await AdminServer.rawBody(request)) }
                return AdminServer.json(LogLevels.shared.snapshot().mapValues(\.rawValue))
            default:
                throw AdminError.notFound("\(method) \(request.path)")
            }
        }

        private func allow(_ method: String, _ allowed: [String]) throws(AdminError) {
            guard allowed.contains(method) else { throw .methodNotAllowed(allowed: allowed) }
        }

        /// Throws 401 unless the request carries the right bearer token.
        private func authorize(_ request: HTTPRequest) throws(AdminError) {
            guard let token else {
                throw .unauthorized("the admin API is disabled: set admin.token or CLUEMCU_ADMIN_TOKEN")
            }
            let presented = request.headers[.authorization].flatMap { value -> [UInt8]? in
                guard value.hasPrefix("Bearer ") else { return nil }
                return Array(value.dropFirst("Bearer ".count).utf8)
            } ?? []
            guard AdminServer.constantTimeEqual(presented, token) else { throw .unauthorized("missing or wrong bearer token") }
        }
    }


    func waitUntilListening() async throws {
        try await server.waitUntilListening()
    }

    func stop() async {
        await server.stop(timeout: 1)
    }

    /// Compares without an early exit, so the time taken says nothing about how much of the token was right.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }

    // MARK: Bodies

    /// The body, refused beyond `maximumBodyBytes` before more than that is read.
    static func rawBody(_ request: HTTPRequest) async throws -> Data {
        if let type = request.headers[.contentType],
           type.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() != "application/json" {
            throw AdminError.unsupportedMediaType(type)
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maximumBodyBytes {
            throw AdminError.bodyTooLarge(maximumBodyBytes)
        }
        var data = Data()
        for try await chunk in request.bodySequence {
            data.append(chunk)
            if data.count > maximumBodyBytes { throw AdminError.bodyTooLarge(maximumBodyBytes) }
        }
        return data
    }

    static func body(_ request: HTTPRequest, allowed: Set<String>) async throws -> JSONBody {
        try JSONBody(try await rawBody(request), allowed: allowed)
    }

    /// `{"sip": "debug", "default": "info"}`: `default` or a subsystem name (GET lists those that have logged; a
    /// level set for one that has not yet applies when it does). All or nothing.
    static func setLogLevels(_ data: Data) throws(AdminError) {
        let body = try JSONBody(data, allowed: nil)
        var changes: [(String, Logger.Level)] = []
        for name in body.names {
            guard LogLevels.isValidSubsystem(name) else {
                throw .invalidField(name, "is not a subsystem name (a-z, 0-9, . _ -, at most 32)")
            }
            guard let text = try body.string(name), let level = Logger.Level(rawValue: text) else {
                throw .invalidField(name, "must be one of trace, debug, info, notice, warning, error, critical")
            }
            changes.append((name, level))
        }
        for (name, level) in changes {
            if name == "default" { LogLevels.shared.setDefault(level) } else { LogLevels.shared.set(level, for: name) }
        }
    }

    // MARK: Responses

    static func json(_ value: some Encodable, status: HTTPStatusCode = .ok) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let body = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return HTTPResponse(statusCode: status, headers: [.contentType: "application/json"], body: body)
    }

    static func error(_ status: HTTPStatusCode, _ code: String, _ message: String) -> HTTPResponse {
        json(["error": ["code": code, "message": message]], status: status)
    }

    private struct Readiness: Encodable {
        var ready: Bool
        var reason: String?
    }

    private struct RoomList: Encodable { var rooms: [RoomView] }
    private struct UserList: Encodable { var users: [UserView] }
    private struct ParticipantList: Encodable { var participants: [ParticipantView] }

    private struct Deleted: Encodable {
        var id: String
        var hungUp: Int
        enum CodingKeys: String, CodingKey {
            case id
            case hungUp = "hung_up"
        }
    }

    private struct Kicked: Encodable {
        var id: String
        var status: String
    }

    private struct DrainStatus: Encodable {
        var draining: Bool
        var calls: Int
    }

    private struct Stats: Encodable {
        var rooms: Int
        var activeRooms: Int
        var participants: Int
        var users: Int
        var callsStarted: Int
        var callsEnded: Int
        var authFailures: Int
        var malformedMessages: Int
        var draining: Bool
        var uptimeSeconds: Int
        var version: String

        init(_ statistics: SignalingStatistics, rooms: Int, users: Int, started: Date) {
            self.rooms = rooms
            activeRooms = statistics.roomsWithCalls
            participants = statistics.calls
            self.users = users
            callsStarted = statistics.callsStarted
            callsEnded = statistics.callsEnded
            authFailures = statistics.authFailures
            malformedMessages = statistics.malformedMessages
            draining = statistics.draining
            uptimeSeconds = max(0, Int(Date().timeIntervalSince(started)))
            version = BridgeVersion.string
        }

        enum CodingKeys: String, CodingKey {
            case rooms, participants, users, draining, version
            case activeRooms = "active_rooms"
            case callsStarted = "calls_started"
            case callsEnded = "calls_ended"
            case authFailures = "auth_failures"
            case malformedMessages = "malformed_messages"
            case uptimeSeconds = "uptime_seconds"
        }
    }
}

/// The bridge's own version, reported by the admin API.
enum BridgeVersion {
    static let string = "0.1.0"
}
