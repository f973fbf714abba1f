import ICE
import MediaSecurity
import SecureTransport
import Testing

/// The bridge's transport cores against the same cores acting as an endpoint, in one process, on a simulated
/// network with delay and loss and a hand-advanced clock: ICE-lite check, DTLS bound to the SDP fingerprints,
/// SRTP keyed from the handshake. Faster than real time and deterministic.
@Suite struct TransportStackTests {
    struct Datagram {
        var bytes: [UInt8]
        var toBridge: Bool
        var deliverAt: ContinuousClock.Instant
    }

    /// A network with a fixed one-way delay that drops the datagrams whose sequence numbers are listed.
    struct Network {
        var inFlight: [Datagram] = []
        var sent = 0
        var dropped: Set<Int>
        let delay: Duration = .milliseconds(20)

        mutating func send(_ bytes: [UInt8], toBridge: Bool, now: ContinuousClock.Instant) {
            defer { sent += 1 }
            guard !dropped.contains(sent) else { return }
            inFlight.append(Datagram(bytes: bytes, toBridge: toBridge, deliverAt: now + delay))
        }

        mutating func due(at now: ContinuousClock.Instant) -> [Datagram] {
            let ready = inFlight.filter { $0.deliverAt <= now }
            inFlight.removeAll { $0.deliverAt <= now }
            return ready
        }
    }

    let bridgeAddress = TransportAddress(ip: .v4(127, 0, 0, 1), port: 10000)
    let endpointAddress = TransportAddress(ip: .v4(192, 0, 2, 7), port: 40000)

    /// An endpoint's nominating check is answered with its own address, integrity-protected with the bridge's
    /// password; DTLS completes despite a lost first flight; SRTP from the endpoint decrypts at the bridge.
    @Test(arguments: [SRTPProtectionProfile.aeadAES128GCM, .aes128CMHMACSHA1_80])
    func checkHandshakeAndMedia(profile: SRTPProtectionProfile) throws {
        var now = ContinuousClock.now
        let bridgeCertificate = try Certificate.generateSelfSigned(commonName: "bridge")
        let endpointCertificate = try Certificate.generateSelfSigned(commonName: "endpoint")

        // ICE: the bridge is lite and controlled; the endpoint sends a nominating check.
        var agent = ICELiteAgent(configuration: ICELiteConfiguration(
            localUsernameFragment: "brdg", localPassword: "bridge-password-0123456789",
            remoteUsernameFragment: "endp", remotePassword: "endpoint-password-0123456789"), now: now)
        let check = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: [
            .username("brdg:endp"), .priority(1_853_824_767), .iceControlling(42), .useCandidate,
        ]).serialized(integrityKey: Array("bridge-password-0123456789".utf8), fingerprint: true)
        #expect(MediaDemultiplexer.classify(firstByte: check[0]) == .stun)
        let actions = agent.receive(check, from: endpointAddress, now: now)
        #expect(actions.contains(.selected(endpointAddress)))
        guard case .send(let answer, let destination)? = actions.first(where: {
            if case .send = $0 { true } else { false }
        }) else {
            Issue.record("no response to the check: \(actions)")
            return
        }
        #expect(destination == endpointAddress)
        let response = try STUNMessage(parsing: answer)
        #expect(response.type == .bindingSuccess)
        #expect(response.xorMappedAddress == endpointAddress)
        answer.withUnsafeBytes { raw in
            #expect(STUNIntegrity.verifyMessageIntegrity(raw, key: Array("bridge-password-0123456789".utf8)) == .valid)
            #expect(STUNIntegrity.verifyFingerprint(raw) == .valid)
        }

        // DTLS: the endpoint offered actpass, the bridge answered passive, so the endpoint is the client.
        let bridgeContext = try DTLSContext(configuration: DTLSConfiguration(certificate: bridgeCertificate,
                                                                             srtpProfiles: [profile]))
        let endpointContext = try DTLSContext(configuration: DTLSConfiguration(certificate: endpointCertificate,
                                                                               srtpProfiles: [profile]))
        let bridge = try DTLSSession(context: bridgeContext, role: .server,
                                     expectedPeerFingerprints: [endpointCertificate.fingerprint(.sha256)])
        let endpoint = try DTLSSession(context: endpointContext, role: .client,
                                       expectedPeerFingerprints: [bridgeCertificate.fingerprint(.sha256)])
        var network = Network(dropped: [0])  // the ClientHello is lost
        var bridgeConnection: DTLSConnection?
        var endpointConnection: DTLSConnection?
        func absorb(_ output: DTLSOutput, fromBridge: Bool) {
            for datagram in output.datagrams { network.send(datagram, toBridge: !fromBridge, now: now) }
            for case .connected(let connection) in output.events {
                if fromBridge { bridgeConnection = connection } else { endpointConnection = connection }
            }
        }
        absorb(endpoint.start(now: now), fromBridge: false)
        let deadline = now + .seconds(30)
        while (bridgeConnection == nil || endpointConnection == nil) && now < deadline {
            let next = ([network.inFlight.map(\.deliverAt).min(), bridge.nextTimeout(now: now),
                         endpoint.nextTimeout(now: now)].compactMap { $0 }).min() ?? now + .milliseconds(10)
            now = max(now, next)
            for datagram in network.due(at: now) {
                #expect(MediaDemultiplexer.classify(firstByte: datagram.bytes[0]) == .dtls)
                if datagram.toBridge {
                    absorb(bridge.handleDatagram(datagram.bytes, now: now), fromBridge: true)
                } else {
                    absorb(endpoint.handleDatagram(datagram.bytes, now: now), fromBridge: false)
                }
            }
            if let timeout = bridge.nextTimeout(now: now), timeout <= now {
                absorb(bridge.handleTimeout(now: now), fromBridge: true)
            }
            if let timeout = endpoint.nextTimeout(now: now), timeout <= now {
                absorb(endpoint.handleTimeout(now: now), fromBridge: false)
            }
        }
        let bridgeKeys = try #require(bridgeConnection?.srtp)
        let endpointKeys = try #require(endpointConnection?.srtp)
        #expect(bridgeKeys.profile == profile)
        #expect(network.sent > 4, "the lost flight was retransmitted")

        // SRTP: endpoint -> bridge.
        let sender = try SRTPSender(keying: endpointKeys, role: .client)
        let receiver = try SRTPReceiver(keying: bridgeKeys, role: .server)
        for sequence in 0..<50 {
            var packet: [UInt8] = [0x80, 111, UInt8(sequence >> 8), UInt8(sequence & 0xff), 0, 0, 0, UInt8(sequence),
                                   0x12, 0x34, 0x56, 0x78]
            packet += (0..<160).map { UInt8(truncatingIfNeeded: $0 &+ sequence) }
            let protected = try sender.protectRTP(packet)
            #expect(MediaDemultiplexer.classify(firstByte: protected[0]) == .rtp)
            #expect(protected != packet)
            #expect(try receiver.unprotectRTP(protected) == packet)
        }
    }

    /// A certificate that does not match the offered fingerprint never yields keys at the bridge.
    @Test func fingerprintMismatchYieldsNoKeys() throws {
        var now = ContinuousClock.now
        let bridgeCertificate = try Certificate.generateSelfSigned(commonName: "bridge")
        let endpointCertificate = try Certificate.generateSelfSigned(commonName: "endpoint")
        let impostor = try Certificate.generateSelfSigned(commonName: "someone else")
        let bridge = try DTLSSession(context: DTLSContext(configuration: DTLSConfiguration(certificate: bridgeCertificate)),
                                     role: .server, expectedPeerFingerprints: [impostor.fingerprint(.sha256)])
        let endpoint = try DTLSSession(
            context: DTLSContext(configuration: DTLSConfiguration(certificate: endpointCertificate)),
            role: .client, expectedPeerFingerprints: [bridgeCertificate.fingerprint(.sha256)])
        var toBridge = endpoint.start(now: now).datagrams
        var bridgeEvents: [DTLSEvent] = []
        for _ in 0..<20 where !toBridge.isEmpty {
            now += .milliseconds(20)
            var toEndpoint: [[UInt8]] = []
            for datagram in toBridge {
                let output = bridge.handleDatagram(datagram, now: now)
                toEndpoint += output.datagrams
                bridgeEvents += output.events
            }
            toBridge = []
            for datagram in toEndpoint { toBridge += endpoint.handleDatagram(datagram, now: now).datagrams }
        }
        #expect(bridgeEvents.contains { if case .failed(.fingerprintMismatch) = $0 { true } else { false } },
                "\(bridgeEvents)")
        #expect(!bridgeEvents.contains { if case .connected = $0 { true } else { false } })
        #expect(bridge.connection == nil)
    }
}
