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

    /// With `admin.tls`, the API answers over HTTPS with the configured (here: generated) certificate, verified by
    /// an independent client against that certificate file; plain HTTP on the same port gets no answer.
    @Test func servesHTTPSWhenConfigured() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("admin-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("admin.pem").path
        let bridge = try BridgeProcess(adminYAML: "tls: { certificate: \(certificate), key: \(directory.path)/admin.key }")
        try bridge.waitForLog(containing: "listening https://", timeout: 10)
        let script = """
            import ssl, sys, urllib.request, urllib.error
            url, token, cafile = sys.argv[1], sys.argv[2], sys.argv[3]
            context = ssl.create_default_context(cafile=cafile)
            for path, auth in (("/healthz", False), ("/v1/rooms", True)):
                request = urllib.request.Request(url + path)
                if auth: request.add_header("Authorization", "Bearer " + token)
                response = urllib.request.urlopen(request, context=context, timeout=10)
                print(path, response.status, response.read().decode())
            try:
                urllib.request.urlopen(url.replace("https", "http") + "/healthz", timeout=5)
                print("plain http answered")
            except Exception as error:
                print("plain http refused:", type(error).__name__)
            """
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script, "https://127.0.0.1:\(bridge.adminPort)", BridgeProcess.adminToken,
                            certificate]
        let output = Pipe()
        python.standardOutput = output
        python.standardError = output
        try python.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        python.waitUntilExit()
        #expect(python.terminationStatus == 0, "\(text)\n\(bridge.log)")
        #expect(text.contains("/healthz 200"), "\(text)")
        #expect(text.contains("/v1/rooms 200") && text.contains(#""id":"demo""#), "\(text)")
        #expect(text.contains("plain http refused"), "\(text)")
        #expect(!bridge.log.contains("listening http://"), "the API must not also listen in the clear publicly")
    }
}
}
