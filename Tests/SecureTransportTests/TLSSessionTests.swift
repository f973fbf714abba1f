import SecureTransport
import Testing

/// A TLS client and server in one process, joined by an in-memory "TCP connection" that delivers bytes in
/// segments of `segmentSize` so records arrive split and merged as they would from a socket.
final class TLSLink {
    let client: TLSClientSession
    let server: TLSServerSession
    var segmentSize: Int
    private var toServer: [UInt8] = []
    private var toClient: [UInt8] = []
    var clientReceived: [UInt8] = []
    var serverReceived: [UInt8] = []
    var clientEvents: [TLSEvent] = []
    var serverEvents: [TLSEvent] = []

    init(client: TLSClientSession, server: TLSServerSession, segmentSize: Int = 1_000) {
        self.client = client
        self.server = server
        self.segmentSize = segmentSize
    }

    func fromClient(_ output: TLSOutput) {
        toServer += output.outgoing
        clientReceived += output.applicationData
        clientEvents += output.events
    }

    func fromServer(_ output: TLSOutput) {
        toClient += output.outgoing
        serverReceived += output.applicationData
        serverEvents += output.events
    }

    /// Shuttles bytes until neither side has anything to say.
    func run() {
        while !toServer.isEmpty || !toClient.isEmpty {
            if !toServer.isEmpty {
                let segment = Array(toServer.prefix(segmentSize))
                toServer.removeFirst(segment.count)
                fromServer(server.receive(segment))
            }
            if !toClient.isEmpty {
                let segment = Array(toClient.prefix(segmentSize))
                toClient.removeFirst(segment.count)
                fromClient(client.receive(segment))
            }
        }
    }

    /// Starts the client and runs the handshake to the end.
    static func connected(server serverConfiguration: TLSServerConfiguration,
                          client clientConfiguration: TLSClientConfiguration,
                          serverName: String? = "localhost") throws -> TLSLink {
        let link = try TLSLink(client: TLSClientSession(context: TLSClientContext(configuration: clientConfiguration),
                                                        serverName: serverName),
                               server: TLSServerSession(context: TLSServerContext(configuration: serverConfiguration)))
        link.fromClient(link.client.start())
        link.run()
        return link
    }
}

@Suite struct TLSSessionTests {
    /// A client and server complete a TLS 1.3 handshake in memory and carry application bytes both ways.
    @Test func handshakeAndDataBothWays() throws {
        let identity = try Certificate.forTests()
        let link = try TLSLink.connected(server: TLSServerConfiguration(certificate: identity),
                                         client: TLSClientConfiguration(verification: .pinned([identity.fingerprint()])))
        #expect(link.client.state == .connected)
        #expect(link.server.state == .connected)
        #expect(link.clientEvents == [.handshakeCompleted])
        #expect(link.serverEvents == [.handshakeCompleted])
        #expect(link.client.protocolVersion == "TLSv1.3")
        #expect(link.client.peerCertificate?.fingerprint() == identity.fingerprint())
        #expect(link.server.peerCertificate == nil)

        link.fromClient(try link.client.send(Array("OPTIONS sip:demo@bridge SIP/2.0\r\n".utf8)))
        link.fromServer(try link.server.send(Array("SIP/2.0 200 OK\r\n".utf8)))
        link.run()
        #expect(String(decoding: link.serverReceived, as: UTF8.self) == "OPTIONS sip:demo@bridge SIP/2.0\r\n")
        #expect(String(decoding: link.clientReceived, as: UTF8.self) == "SIP/2.0 200 OK\r\n")
    }

    /// Bytes sent before the handshake completes wait, then arrive once it does.
    @Test func dataSentDuringHandshakeIsDelivered() throws {
        let identity = try Certificate.forTests()
        let link = try TLSLink(
            client: TLSClientSession(context: TLSClientContext(configuration: .init(verification: .acceptAnyCertificate))),
            server: TLSServerSession(context: TLSServerContext(configuration: .init(certificate: identity))))
        link.fromClient(try link.client.send(Array("INVITE".utf8)))
        link.run()
        #expect(link.client.state == .connected)
        #expect(String(decoding: link.serverReceived, as: UTF8.self) == "INVITE")
    }

    /// Writes of several megabytes in both directions at once arrive intact and in order.
    @Test func largeWritesBothWays() throws {
        let identity = try Certificate.forTests()
        let link = try TLSLink.connected(server: TLSServerConfiguration(certificate: identity),
                                         client: TLSClientConfiguration(verification: .acceptAnyCertificate))
        link.segmentSize = 65_536
        let upstream = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let downstream = (0..<2_000_001).map { UInt8(truncatingIfNeeded: $0 &* 17 &+ 3) }
        link.fromClient(try link.client.send(upstream))
        link.fromServer(try link.server.send(downstream))
        link.run()
        #expect(link.serverReceived == upstream)
        #expect(link.clientReceived == downstream)
    }

    /// A server that requires a client certificate exposes the client's fingerprint and subject.
    @Test func clientCertificateIsExposed() throws {
        let bridge = try Certificate.forTests()
        let alice = try Certificate.generateSelfSigned(commonName: "alice")
        let link = try TLSLink.connected(
            server: TLSServerConfiguration(certificate: bridge, clientCertificates: .require),
            client: TLSClientConfiguration(verification: .pinned([bridge.fingerprint()]), certificate: alice))
        #expect(link.server.state == .connected)
        #expect(link.server.peerCertificate?.fingerprint() == alice.fingerprint())
        #expect(link.server.peerCertificate?.subject == "CN=alice")
        #expect(link.server.peerCertificate?.commonName == "alice")
    }

    /// A server that only requests a client certificate still accepts a client without one.
    @Test func requestedClientCertificateIsOptional() throws {
        let bridge = try Certificate.forTests()
        let link = try TLSLink.connected(server: TLSServerConfiguration(certificate: bridge, clientCertificates: .request),
                                         client: TLSClientConfiguration(verification: .acceptAnyCertificate))
        #expect(link.server.state == .connected)
        #expect(link.server.peerCertificate == nil)
    }

    /// A server that requires a client certificate fails a client without one with `peerCertificateMissing`.
    @Test func requiredClientCertificateMissing() throws {
        let bridge = try Certificate.forTests()
        let link = try TLSLink.connected(server: TLSServerConfiguration(certificate: bridge, clientCertificates: .require),
                                         client: TLSClientConfiguration(verification: .acceptAnyCertificate))
        #expect(link.server.state == .failed(.peerCertificateMissing))
        #expect(link.serverEvents == [.failed(.peerCertificateMissing)])
    }

    /// A client pinned to another fingerprint fails with `fingerprintMismatch`, and the server sees the alert.
    @Test func pinnedFingerprintMismatch() throws {
        let bridge = try Certificate.forTests()
        let impostor = try Certificate.forTests()
        let link = try TLSLink.connected(server: TLSServerConfiguration(certificate: impostor),
                                         client: TLSClientConfiguration(verification: .pinned([bridge.fingerprint()])))
        let expected = SessionFailure.fingerprintMismatch(expected: [bridge.fingerprint()],
                                                          presented: [impostor.fingerprint()])
        #expect(link.client.state == .failed(expected))
        #expect(link.clientEvents == [.failed(expected)])
        guard case .failed(.handshakeFailed(let reason)) = link.server.state else {
            Issue.record("server state \(link.server.state)")
            return
        }
        #expect(reason.contains("bad certificate"))
        #expect(throws: SendError.notConnected(link.client.state)) { try link.client.send([1]) }
    }

    /// Verification against a CA file accepts the bridge's self-signed certificate under its name, and rejects
    /// another name with OpenSSL's reason.
    @Test func certificateAuthorityVerification() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bridge = try Certificate.forTests()
        try bridge.save(certificateFile: directory.file("ca.pem"), privateKeyFile: directory.file("key.pem"))
        let verification = ServerVerification.certificateAuthorities(pemFile: directory.file("ca.pem"))
        let good = try TLSLink.connected(server: TLSServerConfiguration(certificate: bridge),
                                         client: TLSClientConfiguration(verification: verification), serverName: "localhost")
        #expect(good.client.state == .connected)
        let wrongName = try TLSLink.connected(server: TLSServerConfiguration(certificate: bridge),
                                              client: TLSClientConfiguration(verification: verification),
                                              serverName: "elsewhere.example")
        guard case .failed(.handshakeFailed(let reason)) = wrongName.client.state else {
            Issue.record("client state \(wrongName.client.state)")
            return
        }
        #expect(reason.contains("certificate verify failed"))
    }

    /// Plaintext sent to a TLS server fails the handshake, typed, with OpenSSL's reason and an alert to send.
    @Test func plaintextFailsHandshakeWithReason() throws {
        let identity = try Certificate.forTests()
        let server = try TLSServerSession(context: TLSServerContext(configuration: .init(certificate: identity)))
        let output = server.receive(Array("OPTIONS sip:demo@bridge SIP/2.0\r\n\r\n".utf8))
        guard case .failed(.handshakeFailed(let reason)) = server.state else {
            Issue.record("server state \(server.state)")
            return
        }
        #expect(reason.contains("SSL routines"))
        #expect(output.events == [.failed(.handshakeFailed(reason: reason))])
        #expect(server.receive([0x16]).events.isEmpty, "input after failure is ignored")
    }

    /// close_notify from the client reaches the server, which answers with its own; both end closed.
    @Test func closeNotifyBothWays() throws {
        let identity = try Certificate.forTests()
        let link = try TLSLink.connected(server: TLSServerConfiguration(certificate: identity),
                                         client: TLSClientConfiguration(verification: .acceptAnyCertificate))
        link.fromClient(link.client.close())
        link.run()
        #expect(link.client.state == .closed)
        #expect(link.server.state == .closed)
        #expect(link.serverEvents.last == .closeNotifyReceived)
        #expect(throws: SendError.notConnected(.closed)) { try link.server.send([1]) }
        #expect(link.server.receive([0x17, 0x03, 0x03, 0x00, 0x01, 0x00]).events.isEmpty, "input after close is ignored")
    }

    /// Garbage after the handshake kills the session with `connectionFailed`.
    @Test func corruptRecordAfterHandshake() throws {
        let identity = try Certificate.forTests()
        let link = try TLSLink.connected(server: TLSServerConfiguration(certificate: identity),
                                         client: TLSClientConfiguration(verification: .acceptAnyCertificate))
        let output = link.server.receive([0x17, 0x03, 0x03, 0x00, 0x20] + Array(repeating: 0xAB, count: 32))
        guard case .failed(.connectionFailed) = link.server.state else {
            Issue.record("server state \(link.server.state)")
            return
        }
        #expect(output.applicationData.isEmpty)
    }

    /// A thousand TLS handshakes with data on shared contexts run, and every session is freed when dropped.
    @Test func thousandHandshakesFreeTheirSessions() throws {
        let identity = try Certificate.forTests()
        let serverContext = try TLSServerContext(configuration: TLSServerConfiguration(certificate: identity))
        let clientContext = try TLSClientContext(configuration: TLSClientConfiguration(verification: .pinned([identity.fingerprint()])))
        var freed = 0
        for _ in 0..<1_000 {
            weak var weakClient: TLSClientSession?
            weak var weakServer: TLSServerSession?
            do {
                let link = try TLSLink(client: TLSClientSession(context: clientContext, serverName: "localhost"),
                                       server: TLSServerSession(context: serverContext))
                link.fromClient(link.client.start())
                link.fromClient(try link.client.send([1, 2, 3]))
                link.run()
                try #require(link.serverReceived == [1, 2, 3])
                weakClient = link.client
                weakServer = link.server
            }
            if weakClient == nil && weakServer == nil { freed += 1 }
        }
        #expect(freed == 1_000)
    }
}
