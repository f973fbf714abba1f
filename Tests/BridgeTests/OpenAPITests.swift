import Foundation
import Testing

extension LiveBridgeTests {
/// The OpenAPI document is the admin API's contract: the bridge serves the committed file byte for byte, and
/// schemathesis (property-based, from the document alone) finds no disagreement with the live server.
@Suite struct OpenAPITests {
    static let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/Bridge/Admin/openapi.yaml").standardized

    /// GET /v1/openapi.yaml returns exactly the committed document (run `make openapi` after editing it).
    @Test func servedDocumentIsTheCommittedOne() throws {
        let bridge = try BridgeProcess()
        try bridge.waitForLog(containing: "(admin API)", timeout: 10)
        let served = bridge.directory.appendingPathComponent("served.yaml")
        let script = "import sys, urllib.request; open(sys.argv[2], 'wb').write(urllib.request.urlopen(sys.argv[1]).read())"
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script, bridge.adminURL + "/v1/openapi.yaml", served.path]
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
        #expect(try Data(contentsOf: served) == Data(contentsOf: Self.committed))
    }

    /// Every operation but drain (which would stop the bridge under test), with every check schemathesis has:
    /// status codes, content types, response schemas, negative data refused, positive data accepted, 405 for
    /// undeclared methods, 401 without the token.
    @Test func schemathesisFindsNothing() async throws {
        let bridge = try BridgeProcess()
        try bridge.waitForLog(containing: "(admin API)", timeout: 10)
        // A minute of schemathesis must not hold one of Swift Testing's threads (BridgeProcess.offPool).
        let (status, output) = try await BridgeProcess.offPool { try bridge.venv([
            "run", bridge.adminURL + "/v1/openapi.yaml", "--url", bridge.adminURL,
            "-H", "Authorization: Bearer \(BridgeProcess.adminToken)",
            "--checks", "all", "--exclude-operation-id", "drain", "--max-examples", "5", "--no-color",
            "--request-timeout", "10",
        ], program: "schemathesis") }
        #expect(status == 0, "\(output)\nbridge:\n\(bridge.log.suffix(4000))")
        #expect(output.contains("passed"), "\(output)")
        #expect(bridge.process.isRunning)
    }
}
}
