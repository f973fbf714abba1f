import FlyingFox
import Foundation
import Logging

/// The HTTP admin API (first slice: health, readiness, version, rooms). JSON everywhere, errors as
/// `{"error": {"code": "...", "message": "..."}}`, `/v1` behind a bearer token compared in constant time.
/// It reads signaling state by hopping onto the signaling queue; it never touches that state from its own tasks.
final class AdminServer: Sendable {
    private let server: HTTPServer
    private let token: [UInt8]?
    private let signaling: SignalingReader
    let address: String

    /// The signaling queue and the one function that may be called on it.
    struct SignalingReader: Sendable {
        let queue: DispatchQueue
        let rooms: @Sendable () -> [RoomSummary]

        func read() async -> [RoomSummary] {
            await withCheckedContinuation { continuation in
                queue.async { continuation.resume(returning: rooms()) }
            }
        }
    }

    struct RoomSummary: Codable, Sendable {
        var id: String
        var allowAnonymous: Bool
        var allowPlainRTP: Bool
        var maxParticipants: Int?
        var participants: Int

        enum CodingKeys: String, CodingKey {
            case id, participants
            case allowAnonymous = "allow_anonymous"
            case allowPlainRTP = "allow_plain_rtp"
            case maxParticipants = "max_participants"
        }
    }

    init(host: String, port: UInt16, token: String?, signaling: SignalingReader) throws {
        // FlyingFox logs every connection to stdout by default; the bridge logs what matters itself.
        server = HTTPServer(address: try sockaddr_in.inet(ip4: host, port: port), timeout: 15, logger: .disabled)
        self.token = token.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        self.signaling = signaling
        address = "http://\(host):\(port)"
    }

    func run() async throws {
        await server.appendRoute("GET /healthz") { _ in Self.json(["status": "ok"]) }
        await server.appendRoute("GET /readyz") { _ in Self.json(["ready": true]) }
        await server.appendRoute("GET /v1/version") { [self] request in
            try authorized(request) ?? Self.json(["name": "clue-mcu", "api": "v1", "version": BridgeVersion.string])
        }
        await server.appendRoute("GET /v1/rooms") { [self] request in
            if let refusal = try authorized(request) { return refusal }
            return Self.json(["rooms": await signaling.read()])
        }
        await server.appendRoute("*") { request in
            Self.error(.notFound, "not_found", "no resource \(request.method.rawValue) \(request.path)")
        }
        try await server.run()
    }

    func waitUntilListening() async throws {
        try await server.waitUntilListening()
    }

    func stop() async {
        await server.stop(timeout: 1)
    }

    /// nil when the request carries the right bearer token, else the 401 to send.
    private func authorized(_ request: HTTPRequest) throws -> HTTPResponse? {
        guard let token else {
            return Self.error(.unauthorized, "unauthorized",
                              "the admin API is disabled: set admin.token or CLUEMCU_ADMIN_TOKEN")
        }
        let presented = request.headers[.authorization].flatMap { value -> [UInt8]? in
            guard value.hasPrefix("Bearer ") else { return nil }
            return Array(value.dropFirst("Bearer ".count).utf8)
        } ?? []
        guard Self.constantTimeEqual(presented, token) else {
            var response = Self.error(.unauthorized, "unauthorized", "missing or wrong bearer token")
            response.headers[HTTPHeader("WWW-Authenticate")] = "Bearer"
            return response
        }
        return nil
    }

    /// Compares without an early exit, so the time taken says nothing about how much of the token was right.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }

    static func json(_ value: some Encodable, status: HTTPStatusCode = .ok) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return HTTPResponse(statusCode: status, headers: [.contentType: "application/json"], body: body)
    }

    static func error(_ status: HTTPStatusCode, _ code: String, _ message: String) -> HTTPResponse {
        json(["error": ["code": code, "message": message]], status: status)
    }
}

/// The bridge's own version, reported by the admin API.
enum BridgeVersion {
    static let string = "0.1.0"
}
