import Foundation
import Testing

extension LiveBridgeTests {
/// The admin API of a running bridge, called with Python's urllib (an independent HTTP client).
@Suite struct AdminTests {
    /// Runs one GET and returns (status, body).
    static func get(_ url: String, token: String?) throws -> (Int, String) {
        try BridgeProcess.http("GET", url, token: token)
    }

    /// Health and readiness answer without a token; /v1 needs the bearer token; errors are JSON; rooms are listed
    /// with their participant counts.
    @Test func healthVersionRoomsAndErrors() throws {
        let bridge = try BridgeProcess()
        try bridge.waitForLog(containing: "(admin API)", timeout: 10)
        let base = "http://127.0.0.1:\(bridge.adminPort)"
        #expect(try Self.get(base + "/healthz", token: nil) == (200, #"{"status":"ok"}"#))
        #expect(try Self.get(base + "/readyz", token: nil).0 == 200)

        let refused = try Self.get(base + "/v1/version", token: nil)
        #expect(refused.0 == 401)
        #expect(refused.1.contains(#""code":"unauthorized""#))
        #expect(try Self.get(base + "/v1/version", token: "wrong-token").0 == 401)

        let version = try Self.get(base + "/v1/version", token: BridgeProcess.adminToken)
        #expect(version.0 == 200)
        #expect(version.1.contains(#""name":"clue-mcu""#))

        let rooms = try Self.get(base + "/v1/rooms", token: BridgeProcess.adminToken)
        #expect(rooms.0 == 200)
        #expect(rooms.1.contains(#""id":"demo""#))
        #expect(rooms.1.contains(#""participants":0"#))

        let missing = try Self.get(base + "/v1/nothing-here", token: BridgeProcess.adminToken)
        #expect(missing.0 == 404)
        #expect(missing.1.contains(#""code":"not_found""#))
    }
}
}
