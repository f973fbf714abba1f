import MediaSecurity
import SecureTransport
import Testing

/// A DTLS client and server stepped against each other in memory until both connect; time is a hand-advanced
/// clock, so the handshake is deterministic and needs no sockets.
private func handshake(profiles: [SRTPProtectionProfile]) throws -> (client: SRTPKeyingMaterial, server: SRTPKeyingMaterial) {
    let clientIdentity = try Certificate.generateSelfSigned(commonName: "endpoint")
    let serverIdentity = try Certificate.generateSelfSigned(commonName: "bridge")
    let client = try DTLSSession(
        context: DTLSContext(configuration: DTLSConfiguration(certificate: clientIdentity, srtpProfiles: profiles)),
        role: .client, expectedPeerFingerprints: [serverIdentity.fingerprint()])
    let server = try DTLSSession(
        context: DTLSContext(configuration: DTLSConfiguration(certificate: serverIdentity)),
        role: .server, expectedPeerFingerprints: [clientIdentity.fingerprint()])
    var now = ContinuousClock.now
    var toServer = client.start(now: now).datagrams
    var toClient = server.start(now: now).datagrams
    var keys: [DTLSRole: SRTPKeyingMaterial] = [:]
    func collect(_ output: DTLSOutput, _ role: DTLSRole) {
        for case .connected(let connection) in output.events { keys[role] = connection.srtp }
    }
    for _ in 0..<50 where keys.count < 2 {
        for datagram in toServer { let out = server.handleDatagram(datagram, now: now); toClient += out.datagrams; collect(out, .server) }
        toServer = []
        for datagram in toClient { let out = client.handleDatagram(datagram, now: now); toServer += out.datagrams; collect(out, .client) }
        toClient = []
        if toServer.isEmpty, toClient.isEmpty, keys.count < 2 {
            guard let next = [client.nextTimeout(now: now), server.nextTimeout(now: now)].compactMap({ $0 }).min() else { break }
            now = next
            toServer += client.handleTimeout(now: now).datagrams
            toClient += server.handleTimeout(now: now).datagrams
        }
    }
    return (try #require(keys[.client]), try #require(keys[.server]))
}

@Suite struct DTLSKeyedSRTPTests {
    /// Keys exported by a real DTLS handshake work crosswise: the client's sender feeds the server's receiver and
    /// the server's sender feeds the client's receiver, for RTP and RTCP.
    @Test(arguments: SRTPProtectionProfile.allCases)
    func handshakeKeysDriveBothDirections(profile: SRTPProtectionProfile) throws {
        let (clientKeys, serverKeys) = try handshake(profiles: [profile])
        #expect(clientKeys.profile == profile)
        let clientSender = try SRTPSender(keying: clientKeys, role: .client)
        let clientReceiver = try SRTPReceiver(keying: clientKeys, role: .client)
        let serverSender = try SRTPSender(keying: serverKeys, role: .server)
        let serverReceiver = try SRTPReceiver(keying: serverKeys, role: .server)

        let upstream = Packets.rtp(sequence: 1, ssrc: 0xC1)
        let downstream = Packets.rtp(sequence: 1, ssrc: 0x51)
        #expect(try serverReceiver.unprotectRTP(clientSender.protectRTP(upstream)) == upstream)
        #expect(try clientReceiver.unprotectRTP(serverSender.protectRTP(downstream)) == downstream)
        let report = Packets.senderReport(ssrc: 0xC1)
        #expect(try serverReceiver.unprotectRTCP(clientSender.protectRTCP(report)) == report)
        #expect(try clientReceiver.unprotectRTCP(serverSender.protectRTCP(Packets.senderReport(ssrc: 0x51)))
                == Packets.senderReport(ssrc: 0x51))
    }

    /// An endpoint cannot read its own outbound SRTP with its inbound key: the two directions are keyed apart.
    @Test func directionsAreKeyedApart() throws {
        let (clientKeys, _) = try handshake(profiles: SRTPProtectionProfile.preferred)
        #expect(clientKeys.profile == .aeadAES128GCM)
        let sender = try SRTPSender(keying: clientKeys, role: .client)
        let ownReceiver = try SRTPReceiver(keying: clientKeys, role: .client)
        #expect(throws: SRTPError.authenticationFailed) {
            try ownReceiver.unprotectRTP(sender.protectRTP(Packets.rtp(sequence: 1)))
        }
    }
}
