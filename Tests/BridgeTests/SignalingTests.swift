import Foundation
import Testing

extension LiveBridgeTests {
/// The bridge as a real SIP peer sees it: `clue-mcu serve` on loopback, driven by sipp and by an independent
/// Python SIP-over-TLS caller.
@Suite struct SignalingTests {
    /// A CLUE call over UDP: challenged, authenticated, 200 with sip.clue and a CLUE answer, re-INVITE, BYE.
    @Test func clueCallOverUDP() throws {
        let bridge = try BridgeProcess()
        let (status, errors) = try bridge.sipp("clue-call.xml", transport: "u1")
        #expect(status == 0, "sipp: \(errors)\nbridge:\n\(bridge.log)")
        #expect(bridge.log.contains("call admitted"))
        #expect(bridge.log.contains("call ended by caller"))
    }

    /// The same call over TCP.
    @Test func clueCallOverTCP() throws {
        let bridge = try BridgeProcess()
        let (status, errors) = try bridge.sipp("clue-call.xml", transport: "t1")
        #expect(status == 0, "sipp: \(errors)\nbridge:\n\(bridge.log)")
        #expect(bridge.log.contains("transport=TCP"))
    }

    /// Over TLS with an independent client (Python ssl/hashlib), answering the SHA-256 and the MD5 challenge.
    @Test(arguments: ["SHA-256", "MD5"])
    func clueCallOverTLS(algorithm: String) throws {
        let bridge = try BridgeProcess()
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", BridgeProcess.sippScenarios.deletingLastPathComponent()
            .appendingPathComponent("peers/sip_tls_call.py").path,
                            "127.0.0.1", String(bridge.tlsPort), "demo", "alice", "secret", algorithm]
        let output = bridge.directory.appendingPathComponent("tls-\(algorithm).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        python.standardOutput = try FileHandle(forWritingTo: output)
        python.standardError = python.standardOutput
        try python.run()
        python.waitUntilExit()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(python.terminationStatus == 0, "\(text)\nbridge:\n\(bridge.log)")
        #expect(text.contains("call complete over TLS"))
        #expect(bridge.log.contains("transport=TLS"))
    }

    /// A wrong password never gets a 200, and the failure is logged.
    @Test func wrongPasswordIsRefused() throws {
        let bridge = try BridgeProcess()
        let (status, errors) = try bridge.sipp("wrong-password.xml", password: "not-the-secret")
        #expect(status == 0, "sipp: \(errors)\nbridge:\n\(bridge.log)")
        #expect(!bridge.log.contains("call admitted"))
        #expect(bridge.log.contains("reason=wrongPassword"))
    }

    /// Unknown users and wrong passwords are indistinguishable on the wire, and more than five failures from one
    /// source within a minute throttle it (403), logged once.
    @Test func failuresAreThrottled() throws {
        let bridge = try BridgeProcess()
        for attempt in 0..<7 {
            let (status, errors) = try bridge.sipp("wrong-password.xml", user: attempt % 2 == 0 ? "alice" : "mallory",
                                                   password: "guess\(attempt)")
            #expect(status == 0, "attempt \(attempt): \(errors)")
        }
        #expect(!bridge.log.contains("call admitted"))
        #expect(bridge.log.components(separatedBy: "throttling source").count - 1 == 1, "\(bridge.log)")
    }

    /// A call to a room that does not exist gets 404.
    @Test func unknownRoom() throws {
        let bridge = try BridgeProcess()
        let (status, errors) = try bridge.sipp("unknown-room.xml", service: "no-such-room")
        #expect(status == 0, "sipp: \(errors)\nbridge:\n\(bridge.log)")
    }

    /// OPTIONS is answered 200 with Allow, Supported and Accept, over UDP and TCP.
    @Test(arguments: ["u1", "t1"])
    func optionsAnswered(transport: String) throws {
        let bridge = try BridgeProcess()
        let (status, errors) = try bridge.sipp("options.xml", transport: transport)
        #expect(status == 0, "sipp: \(errors)\nbridge:\n\(bridge.log)")
    }

    /// Stopping the bridge with SIGINT hangs up calls in progress with a BYE that the caller answers.
    @Test func byeFromBridge() throws {
        let bridge = try BridgeProcess()
        let wait = try bridge.startSipp("bye-from-bridge.xml")
        try bridge.waitForLog(containing: "call admitted", timeout: 15)
        Thread.sleep(forTimeInterval: 0.3)  // let the ACK arrive
        #expect(bridge.interrupt() == 0)
        let (status, errors) = try wait()
        #expect(status == 0, "sipp: \(errors)\nbridge:\n\(bridge.log)")
        #expect(bridge.log.contains("hanging up"))
    }

    /// SIGTERM stops the bridge cleanly (exit status 0) and says so.
    @Test func stopsOnSIGTERM() throws {
        let bridge = try BridgeProcess()
        #expect(bridge.stop() == 0)
        #expect(bridge.log.contains("stopped"))
    }
}

/// Unusual and malformed SIP replayed at the running bridge: well-formed requests are never answered 400,
/// malformed ones never 1xx/2xx, nobody gets in unauthenticated, and the bridge still answers OPTIONS.
@Suite struct MalformedReplayTests {
    @Test func corpusReplay() throws {
        let bridge = try BridgeProcess()
        let peers = BridgeProcess.sippScenarios.deletingLastPathComponent().appendingPathComponent("peers")
        let corpus = BridgeProcess.sippScenarios.deletingLastPathComponent()
            .appendingPathComponent("../../Fuzz/corpus/sip").standardized
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", peers.appendingPathComponent("replay_sip.py").path, "127.0.0.1",
                            String(bridge.sipPort), corpus.path]
        let output = bridge.directory.appendingPathComponent("replay.out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        python.standardOutput = try FileHandle(forWritingTo: output)
        python.standardError = python.standardOutput
        try python.run()
        python.waitUntilExit()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(python.terminationStatus == 0, "\(text)")
        #expect(text.contains("OPTIONS afterwards: [200"))
        #expect(!bridge.log.contains("call admitted"))
    }
}
}
