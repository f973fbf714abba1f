import SecureTransport
import Testing

@Suite struct DTLSSessionTests {
    /// On a lossless network both ends connect at once, authenticated, and export the same GCM keys.
    @Test func handshakeExportsMatchingGCMKeys() throws {
        let network = try DTLSNetwork.make()
        network.run()
        #expect(network.client.state == .connected)
        #expect(network.server.state == .connected)
        #expect(network.elapsed == .zero, "no retransmission needed")
        let client = try #require(network.connection(.client))
        let server = try #require(network.connection(.server))
        #expect(network.client.connection == client)
        #expect(client.protocolVersion == "DTLSv1.2")
        #expect(client.matchedFingerprint == client.peerCertificate.fingerprint())
        #expect(server.peerCertificate.commonName == "endpoint")
        let clientKeys = try #require(client.srtp)
        let serverKeys = try #require(server.srtp)
        #expect(clientKeys.profile == .aeadAES128GCM)
        #expect(clientKeys == serverKeys)
        #expect(clientKeys.client.key.count == 16)
        #expect(clientKeys.client.salt.count == 12)
        #expect(clientKeys.client != clientKeys.server)
        #expect(clientKeys.outbound(for: .client) == serverKeys.inbound(for: .server))
        #expect(clientKeys.inbound(for: .client) == serverKeys.outbound(for: .server))
        #expect("\(clientKeys)".contains("redacted"), "keys never reach a log")
    }

    /// Each SRTP profile negotiates when it is the only one offered, with its key and salt lengths, and both
    /// ends hold the same keys with client and server swapped.
    @Test(arguments: SRTPProtectionProfile.allCases)
    func eachProfileNegotiates(profile: SRTPProtectionProfile) throws {
        let network = try DTLSNetwork.make(clientConfiguration: { DTLSConfiguration(certificate: $0, srtpProfiles: [profile]) })
        network.run()
        let clientKeys = try #require(network.connection(.client)?.srtp)
        let serverKeys = try #require(network.connection(.server)?.srtp)
        #expect(clientKeys.profile == profile)
        #expect(serverKeys.profile == profile)
        #expect(clientKeys.server.key.count == profile.masterKeyLength)
        #expect(clientKeys.server.salt.count == profile.masterSaltLength)
        #expect(clientKeys.outbound(for: .client) == serverKeys.inbound(for: .server))
        #expect(clientKeys.outbound(for: .server) == serverKeys.inbound(for: .client))
        #expect(clientKeys.outbound(for: .client) != clientKeys.outbound(for: .server))
    }

    /// The server's preference wins: a client listing AES-CM first still gets GCM from the bridge.
    @Test func serverPreferenceSelectsGCM() throws {
        let network = try DTLSNetwork.make(clientConfiguration: {
            DTLSConfiguration(certificate: $0, srtpProfiles: [.aes128CMHMACSHA1_80, .aeadAES128GCM])
        })
        network.run()
        #expect(network.connection(.server)?.srtp?.profile == .aeadAES128GCM)
    }

    /// Without use_srtp on one side the association still connects, for the data channel only, with no SRTP keys.
    @Test func noSRTPWhenNotNegotiated() throws {
        let network = try DTLSNetwork.make(clientConfiguration: { DTLSConfiguration(certificate: $0, srtpProfiles: []) })
        network.run()
        #expect(network.client.state == .connected)
        #expect(network.connection(.server)?.srtp == nil)
    }

    /// A lost ClientHello is sent again exactly when the hand-advanced clock reaches the 1 s deadline, not before.
    @Test func lostFirstFlightIsRetransmittedOnTheTestClock() throws {
        let network = try DTLSNetwork.make()
        network.loss = { $0.from == .client && $0.index == 0 }
        let start = network.now
        network.absorb(network.client.start(now: start), from: .client)
        #expect(network.client.nextTimeout(now: start) == start + .seconds(1))
        #expect(network.server.nextTimeout(now: start) == nil)
        #expect(network.client.handleTimeout(now: start + .milliseconds(999)).datagrams.isEmpty)
        network.settle()
        #expect(network.client.state == .connected)
        #expect(network.server.state == .connected)
        #expect(network.dropped.count == 1)
        #expect(network.retransmissions[.client] == [.seconds(1)])
        #expect(network.elapsed == .seconds(1))
        #expect(network.connection(.client)?.srtp == network.connection(.server)?.srtp)
    }

    /// When the server's flight is lost twice its timer backs off, 1 s then 2 s, and the handshake still completes.
    @Test func retransmissionBacksOff() throws {
        let network = try DTLSNetwork.make()
        network.loss = { $0.from == .server && $0.sentAt < .seconds(2) }
        network.run()
        #expect(network.client.state == .connected)
        #expect(network.server.state == .connected)
        #expect(network.retransmissions[.server]?.prefix(2) == [.seconds(1), .seconds(3)])
    }

    /// When the server's final flight is lost, the client's retransmission makes the connected server send it again.
    @Test func lostFinalFlightIsRecovered() throws {
        let network = try DTLSNetwork.make()
        network.loss = { $0.from == .server && $0.index == 1 }
        network.run()
        #expect(network.dropped.count == 1)
        #expect(network.server.state == .connected)
        #expect(network.client.state == .connected)
        #expect(network.retransmissions[.client] == [.seconds(1)])
        #expect(network.connection(.client)?.srtp == network.connection(.server)?.srtp)
    }

    /// Flights are fragmented to the configured datagram size, and a lost fragment is recovered.
    @Test func flightsFragmentToTheMTU() throws {
        let small = { (certificate: Certificate) in DTLSConfiguration(certificate: certificate, maximumDatagramSize: 300) }
        let network = try DTLSNetwork.make(clientConfiguration: small, serverConfiguration: small)
        network.loss = { $0.from == .server && $0.index == 1 }
        network.run()
        #expect(network.client.state == .connected)
        #expect(network.server.state == .connected)
        let all = network.delivered + network.dropped
        #expect(all.allSatisfy { $0.bytes.count <= 300 })
        #expect(all.filter { $0.from == .server && $0.sentAt == .zero }.count > 1, "the server's first flight spans datagrams")
    }

    /// A client certificate that matches no fingerprint of the offer fails the server with `fingerprintMismatch`,
    /// and neither side reports a connection or keys.
    @Test func clientFingerprintMismatch() throws {
        let stranger = try Certificate.forTests()
        let network = try DTLSNetwork.make(serverExpects: { _ in [stranger.fingerprint()] })
        network.run()
        guard case .failed(.fingerprintMismatch(let expected, let presented)) = network.server.state else {
            Issue.record("server state \(network.server.state)")
            return
        }
        #expect(expected == [stranger.fingerprint()])
        #expect(presented.count == 1 && presented[0] != stranger.fingerprint())
        #expect(network.server.connection == nil)
        #expect(network.connection(.server) == nil)
        #expect(network.connection(.client) == nil)
        #expect(network.events[.server]?.count == 1)
        if case .failed(.handshakeFailed(let reason)) = network.client.state {
            #expect(reason.contains("bad certificate"))
        } else {
            Issue.record("client state \(network.client.state)")
        }
        #expect(throws: SendError.notConnected(network.server.state)) { try network.server.send([1], now: network.now) }
    }

    /// A server certificate that matches no fingerprint fails the client before it sends its own flight.
    @Test func serverFingerprintMismatch() throws {
        let stranger = try Certificate.forTests()
        let network = try DTLSNetwork.make(clientExpects: { real in
            [stranger.fingerprint(.sha256), stranger.fingerprint(.sha1)]
        })
        network.run()
        guard case .failed(.fingerprintMismatch(_, let presented)) = network.client.state else {
            Issue.record("client state \(network.client.state)")
            return
        }
        #expect(presented.map(\.algorithm) == [.sha256, .sha1])
        #expect(network.connection(.client) == nil)
        #expect(network.connection(.server) == nil)
        #expect(network.server.state != .connected)
    }

    /// The offer may use any hash: one matching fingerprint among non-matching ones is enough.
    @Test(arguments: FingerprintAlgorithm.allCases)
    func anyOfferedHashIsAccepted(algorithm: FingerprintAlgorithm) throws {
        let stranger = try Certificate.forTests()
        let network = try DTLSNetwork.make(clientExpects: { real in [stranger.fingerprint(), real.fingerprint(algorithm)] })
        network.run()
        #expect(network.client.state == .connected)
        #expect(network.connection(.client)?.matchedFingerprint.algorithm == algorithm)
    }

    /// A session needs at least one expected fingerprint.
    @Test func emptyFingerprintListIsRefused() throws {
        let context = try DTLSContext(configuration: DTLSConfiguration(certificate: Certificate.forTests()))
        #expect(throws: TransportSetupError.self) {
            try DTLSSession(context: context, role: .server, expectedPeerFingerprints: [])
        }
    }

    /// Application records cross in both directions one for one, and nothing is sent before the handshake.
    @Test func applicationRecordsBothWays() throws {
        let network = try DTLSNetwork.make()
        #expect(throws: SendError.notConnected(.handshaking)) { try network.client.send([1, 2, 3], now: network.now) }
        network.run()
        let upstream: [[UInt8]] = [[1], Array(repeating: 7, count: 1_000), Array(repeating: 9, count: 1_150)]
        try network.send(upstream, from: .client)
        try network.send([[42, 43], [44]], from: .server)
        #expect(network.received[.server] == upstream)
        #expect(network.received[.client] == [[42, 43], [44]])
        #expect(throws: SendError.recordTooLarge(maximum: 16_384)) {
            try network.client.send(Array(repeating: 0, count: 16_385), now: network.now)
        }
    }

    /// Garbage datagrams are discarded silently (RFC 6347 section 4.1.2.7) and the handshake still completes.
    @Test func garbageIsIgnored() throws {
        let network = try DTLSNetwork.make()
        for garbage: [UInt8] in [[], [0x16], Array(repeating: 0xFE, count: 40), [0x17, 0xFE, 0xFD] + Array(repeating: 0, count: 30)] {
            #expect(network.server.handleDatagram(garbage, now: network.now).events.isEmpty)
        }
        network.run()
        #expect(network.client.state == .connected)
        #expect(network.server.state == .connected)
        #expect(network.client.handleDatagram([0x17, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 4, 1, 2, 3, 4], now: network.now).events.isEmpty)
        #expect(network.client.state == .connected)
    }

    /// close_notify from one side closes the other, which then ignores input.
    @Test func closeNotify() throws {
        let network = try DTLSNetwork.make()
        network.run()
        network.absorb(network.client.close(now: network.now), from: .client)
        network.settle()
        #expect(network.client.state == .closed)
        #expect(network.server.state == .closed)
        #expect(network.events[.server]?.last == .closeNotifyReceived)
        #expect(network.server.nextTimeout(now: network.now) == nil)
    }

    /// A peer that never answers exhausts the retransmissions (1, 2, 4 s, then the limit) and fails the session.
    @Test func retransmissionLimit() throws {
        let network = try DTLSNetwork.make(clientConfiguration: {
            DTLSConfiguration(certificate: $0, maximumRetransmissions: 3)
        })
        network.loss = { $0.from == .client }
        network.run()
        #expect(network.client.state == .failed(.retransmissionLimitReached))
        #expect(network.retransmissions[.client] == [.seconds(1), .seconds(3), .seconds(7)])
        #expect(network.elapsed == .seconds(15))
        #expect(network.client.nextTimeout(now: network.now) == nil)
    }

    /// A thousand handshakes on shared contexts run, and every session is freed when dropped.
    @Test func thousandHandshakesFreeTheirSessions() throws {
        let serverIdentity = try Certificate.forTests("bridge")
        let clientIdentity = try Certificate.forTests("endpoint")
        let serverContext = try DTLSContext(configuration: DTLSConfiguration(certificate: serverIdentity))
        let clientContext = try DTLSContext(configuration: DTLSConfiguration(certificate: clientIdentity))
        var freed = 0
        for _ in 0..<1_000 {
            weak var weakClient: DTLSSession?
            weak var weakServer: DTLSSession?
            do {
                let network = try DTLSNetwork(
                    client: DTLSSession(context: clientContext, role: .client,
                                        expectedPeerFingerprints: [serverIdentity.fingerprint()]),
                    server: DTLSSession(context: serverContext, role: .server,
                                        expectedPeerFingerprints: [clientIdentity.fingerprint()]))
                network.run()
                try #require(network.client.state == .connected)
                weakClient = network.client
                weakServer = network.server
            }
            if weakClient == nil && weakServer == nil { freed += 1 }
        }
        #expect(freed == 1_000)
    }
}
