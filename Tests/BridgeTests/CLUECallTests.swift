import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The CLUE endpoint of Tests/BridgeTests/peers/clue_endpoint.py (aiortc: its own ICE, DTLS, SCTP and SRTP) dialing
/// the running bridge, with the result it prints as JSON.
struct CLUEPeer: @unchecked Sendable {
    static let root = BridgeProcess.sippScenarios.deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let python = root.appendingPathComponent(".venv/bin/python")
    static let script = root.appendingPathComponent("Tests/BridgeTests/peers/clue_endpoint.py")

    let json: [String: Any]
    let stderr: String

    /// A peer process that runs on its own; `finish` waits for its JSON.
    struct Running: @unchecked Sendable {
        let process: Process
        let output: URL
        let errors: URL
        let timeout: Int

        func finish(_ bridge: BridgeProcess) throws -> CLUEPeer {
            let deadline = Date().addingTimeInterval(Double(timeout))
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning {
                process.terminate()
                throw BridgeTestError("the CLUE peer did not finish in \(timeout) s:\n\(bridge.log)")
            }
            let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            guard let data = try? Data(contentsOf: output),
                  let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw BridgeTestError("the CLUE peer printed no JSON:\n\(stderr)\nbridge:\n\(bridge.log)")
            }
            return CLUEPeer(json: json, stderr: stderr)
        }
    }

    /// Starts a peer against the bridge without waiting for it.
    static func launch(_ bridge: BridgeProcess, _ arguments: [String] = [], timeout: Int = 40) throws -> Running {
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, "--sip", "127.0.0.1:\(bridge.sipPort)", "--room", "demo",
                             "--user", "alice", "--password", "secret"] + arguments
        let output = bridge.directory.appendingPathComponent("peer-\(UUID().uuidString).json")
        let errors = bridge.directory.appendingPathComponent("peer-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        return Running(process: process, output: output, errors: errors, timeout: timeout)
    }

    static func call(_ bridge: BridgeProcess, _ arguments: [String] = [], timeout: Int = 40) throws -> CLUEPeer {
        try launch(bridge, arguments, timeout: timeout).finish(bridge)
    }

    subscript(_ path: String) -> Any? {
        var value: Any? = json
        for key in path.split(separator: ".") { value = (value as? [String: Any])?[String(key)] }
        return value
    }

    var receivedCLUE: [[String: Any]] { (self["clue.received"] as? [[String: Any]]) ?? [] }
}

extension LiveBridgeTests {
/// A real CLUE session end to end against an independent WebRTC stack: digest-authenticated SIP, ICE-lite, DTLS
/// bound to the fingerprint, SRTP, the SCTP data channel from a=dcmap and the RFC 8847 exchange.
@Suite struct CLUECallTests {
    /// The whole exchange completes, every bridge message is schema-valid, and the bridge counts the peer's SRTP
    /// audio under the SSRC the peer announced.
    @Test func fullCLUECall() async throws {
        let bridge = try BridgeProcess()
        // The peer and the polling each run on a thread of their own (BridgeProcess.offPool): under the full
        // suite's load, other suites' blocking tests may hold Swift Testing's threads for the whole call.
        let call = Task { try await BridgeProcess.offPool { try CLUEPeer.call(bridge, ["--duration", "4", "--tone", "440"]) } }
        // While the call is up, the admin API shows the participant's transport, CLUE state and inbound audio.
        // Polled for as long as the peer may take (its own 40 s limit); the loop leaves as soon as it has seen it.
        let seen = try await BridgeProcess.offPool { () -> String in
            var last = "{}"
            for _ in 0..<400 {
                Thread.sleep(forTimeInterval: 0.1)
                let (status, body) = try bridge.api("GET", "/v1/rooms/demo/participants")
                guard status == 200,
                      let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                      let first = (object["participants"] as? [[String: Any]])?.first else { continue }
                last = String(decoding: try JSONSerialization.data(withJSONObject: first), as: UTF8.self)
                let streams = (first["streams"] as? [[String: Any]]) ?? []
                if first["clue"] as? String == "ACTIVE",
                   streams.contains(where: { ($0["packets"] as? Int ?? 0) > 20 }) { break }
            }
            return last
        }
        let participant = try JSONSerialization.jsonObject(with: Data(seen.utf8)) as? [String: Any] ?? [:]
        #expect(participant["dtls"] as? String == "connected", "\(participant)")
        #expect(participant["clue"] as? String == "ACTIVE", "\(participant)")
        #expect((participant["captures_advertised"] as? Int ?? 0) >= 1, "\(participant)")
        let liveStreams = (participant["streams"] as? [[String: Any]]) ?? []
        #expect(liveStreams.contains { $0["kind"] as? String == "audio" && ($0["packets"] as? Int ?? 0) > 20 },
                "\(participant)")
        let peer = try await call.value
        let context = "\(peer.json)\n\(peer.stderr)\nbridge:\n\(bridge.log)"
        #expect(peer["sip.final_status"] as? Int == 200, "\(context)")
        #expect((peer["sip.statuses"] as? [Int])?.first == 401, "digest challenge first")
        #expect(peer["transport.data_channel_opened"] as? Bool == true, "\(context)")
        #expect(peer["clue.options_response_code"] as? Int == 200, "\(context)")
        #expect(peer["clue.complete"] as? Bool == true, "\(context)")
        #expect(peer["clue.local_advertisement_ack_code"] as? Int == 200)
        #expect(peer["clue.configure_response_code"] as? Int == 200)
        let received = peer.receivedCLUE
        #expect(Set(received.compactMap { $0["type"] as? String })
            == ["optionsResponse", "advertisement", "ack", "configureResponse"], "\(received)")
        for message in received {
            #expect(message["schema_valid"] as? Bool == true, "not schema-valid: \(message)")
            #expect(message["sequence_ok"] as? Bool == true, "sequence: \(message)")
        }
        let captures = (peer["clue.remote_advertisement.captures"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        #expect(captures?.isEmpty == false)
        // The bridge acknowledged the peer's captures and remembers them as the peer's advertisement.
        try bridge.waitForLog(containing: "media received", timeout: 10)
        let offer = (peer["sdp.offer"] as? String) ?? ""
        let ssrc = try #require(offer.split(separator: "\r\n").first { $0.hasPrefix("a=ssrc:") }?
            .dropFirst("a=ssrc:".count).split(separator: " ").first.map(String.init))
        let line = try #require(bridge.log.split(separator: "\n").first { $0.contains("media received") })
        let stream = try #require(line.components(separatedBy: "ssrc=\(ssrc) ").dropFirst().first,
                                  "the peer's SSRC \(ssrc) is not in: \(line)")
        let packets = Int(stream.components(separatedBy: "packets=")[1].prefix { $0.isNumber }) ?? 0
        let sent = (peer["media.rtp.audio.packets_sent"] as? Int) ?? 0
        // 20 ms Opus for about 3 s: most of what aiortc sent arrived, decrypted and in order.
        #expect(packets > 50 && packets <= sent + 5, "received \(packets) of \(sent): \(line)")
        #expect(line.contains("unprotect_failures=0"), "\(line)")
        #expect(!bridge.log.contains("Fatal error") && !bridge.log.contains("runtime failure"))
        // The bridge's RTCP receiver reports reached aiortc (RFC 3550 6.4.2): no loss on loopback, and LSR/DLSR
        // good enough for aiortc to compute a round trip under a second.
        let remote = try #require(peer["media.rtp.audio.remote_inbound"] as? [String: Any], "\(peer.json)")
        #expect(remote["packets_lost"] as? Int == 0, "\(remote)")
        let roundTrip = remote["round_trip_time"] as? Double ?? -1
        #expect(roundTrip >= 0 && roundTrip < 1, "\(remote)")
        // The process metrics moved: packets in, CLUE messages by type, a join time.
        let metrics = try bridge.api("GET", "/metrics", token: nil).1
        let audioIn = metrics.split(separator: "\n").first {
            $0.hasPrefix("cluemcu_packets_total") && $0.contains("kind=\"audio\"") && $0.contains("direction=\"in\"")
        }
        #expect((audioIn?.split(separator: " ").last.flatMap { Double($0) } ?? 0) > 50, "\(metrics)")
        #expect(metrics.contains("cluemcu_clue_messages_total{"), "\(metrics)")
        #expect(metrics.contains("cluemcu_join_time_seconds_count 1"), "\(metrics)")
        // The media port's send side is exported, and nothing was refused on loopback.
        #expect(metrics.contains("cluemcu_media_port_segmented_runs_total "), "\(metrics)")
        #expect(metrics.contains("cluemcu_media_port_dropped_sends_total 0"), "\(metrics)")
    }

    /// An offer whose a=fingerprint does not match the certificate aiortc presents: no keys, the data channel never
    /// opens, and the bridge hangs up with BYE (and says why in its log).
    @Test func tamperedFingerprintIsHungUp() throws {
        let bridge = try BridgeProcess()
        let peer = try CLUEPeer.call(bridge, ["--tamper-fingerprint", "--duration", "6", "--timeout", "10"])
        let context = "\(peer.json)\n\(peer.stderr)\nbridge:\n\(bridge.log)"
        #expect(peer["sip.final_status"] as? Int == 200, "\(context)")
        #expect(peer["sip.bye_from_bridge"] as? Bool == true, "\(context)")
        #expect(peer["transport.data_channel_opened"] as? Bool != true, "\(context)")
        #expect(peer.receivedCLUE.isEmpty)
        #expect(bridge.log.contains("DTLS failed"), "\(bridge.log)")
        #expect(!bridge.log.contains("DTLS connected"))
        if let ms = peer["sip.bye_from_bridge_ms_after_200"] as? Int {
            print("tampered fingerprint: BYE \(ms) ms after the 200")
        }
    }

    /// RFC 7675: the peer that stops answering consent is hung up after the configured timeout, while a peer on
    /// the same bridge that keeps sending checks (aiortc: every 4-6 s) stays up well past that timeout.
    @Test func consentExpiryHangsUp() async throws {
        let bridge = try BridgeProcess(mediaYAML: "consent_timeout_seconds: 8")
        let silent = Task.detached {
            try CLUEPeer.call(bridge, ["--stop-consent-after", "1", "--duration", "16", "--timeout", "25"])
        }
        let alive = try CLUEPeer.call(bridge, ["--duration", "13", "--timeout", "25"])
        let peer = try await silent.value
        let context = "\(peer.json)\n\(peer.stderr)\nbridge:\n\(bridge.log)"
        #expect(peer["clue.complete"] as? Bool == true, "\(context)")
        #expect(peer["sip.bye_from_bridge"] as? Bool == true, "\(context)")
        if let bye = peer["sip.bye_from_bridge_ms_after_200"] as? Int,
           let stopped = peer["transport.consent_stopped_ms_after_200"] as? Int {
            #expect(bye > stopped, "the BYE came before consent stopped: \(context)")
        }
        #expect(alive["sip.bye_from_bridge"] as? Bool == false, "a live peer was hung up: \(alive.json)")
        #expect(alive["clue.complete"] as? Bool == true)
        let expiries = bridge.log.split(separator: "\n").filter {
            $0.contains("media session failed") && $0.contains("consent expired")
        }
        #expect(expiries.count == 1, "\(bridge.log)")
    }

    /// A wrong password never gets a 200, whatever the media would have been.
    @Test func wrongPasswordNeverAnswered() throws {
        let bridge = try BridgeProcess()
        let peer = try CLUEPeer.call(bridge, ["--wrong-password", "--timeout", "10"])
        let statuses = (peer["sip.statuses"] as? [Int]) ?? []
        #expect(!statuses.isEmpty && !statuses.contains(200), "\(statuses)")
        #expect(!bridge.log.contains("call admitted"))
    }

    /// A configure naming a capture the bridge never advertised gets an error code, not silence; the session goes on.
    @Test func configureOfUnknownCaptureIsRefused() throws {
        let bridge = try BridgeProcess()
        let peer = try CLUEPeer.call(bridge, ["--configure-unknown", "--duration", "2"])
        let code = peer["clue.configure_response_code"] as? Int
        #expect(code.map { (300...499).contains($0) } == true, "\(peer.json)")
        #expect(bridge.log.contains("CLUE message refused"))
    }

    /// Datagrams of every kind from sources nobody negotiated: dropped without a log line each, while a real call
    /// on the same port completes its CLUE exchange.
    @Test func unknownSourceFloodHarmsNobody() async throws {
        let bridge = try BridgeProcess()
        let port = bridge.mediaPort
        let flood = Task.detached { Self.flood(port: port, datagrams: 30_000) }
        let peer = try CLUEPeer.call(bridge, ["--duration", "2"])
        let sent = await flood.value
        #expect(sent > 1000)
        #expect(peer["clue.complete"] as? Bool == true, "\(peer.json)\nbridge:\n\(bridge.log)")
        let lines = bridge.log.split(separator: "\n").filter { $0.contains("unknown sources") }
        // One line when the flood starts, then at most one per 10 s: bounded whatever the packet count.
        #expect((1...3).contains(lines.count), "\(lines)")
    }

    /// Sends STUN (unknown ufrag), DTLS-looking and RTP-looking datagrams to the media port from a fresh socket.
    static func flood(port: UInt16, datagrams: Int) -> Int {
        let fd = socket(AF_INET, Int32(Glibc.SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var stun: [UInt8] = [0x00, 0x01, 0x00, 0x0C, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 7, count: 12)
        stun += [0x00, 0x06, 0x00, 0x08] + Array("nobody:x".utf8)
        let dtls: [UInt8] = [22, 0xFE, 0xFD] + [UInt8](repeating: 0, count: 60)
        let rtp: [UInt8] = [0x80, 111, 0, 1, 0, 0, 0, 1, 0xDE, 0xAD, 0xBE, 0xEF] + [UInt8](repeating: 1, count: 100)
        var sent = 0
        for index in 0..<datagrams {
            let payload = [stun, dtls, rtp][index % 3]
            let result = payload.withUnsafeBytes { bytes in
                withUnsafePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            if result > 0 { sent += 1 }
            if index % 500 == 0 { usleep(2000) }  // spread over the call's set-up instead of one burst
        }
        return sent
    }
}
}
