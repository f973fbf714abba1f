import Foundation
import SecureTransport
import Testing

/// The sessions against an independent peer: the `openssl` command line tool over real loopback sockets.
@Suite(.enabled(if: OpenSSLTool.path != nil, "needs the openssl command line tool"))
struct OpenSSLInteropTests {
    /// A pair of PEM files for `openssl` to use.
    struct Files {
        let certificate: String
        let key: String
    }

    static func write(_ certificate: Certificate, named name: String, in directory: TemporaryDirectory) throws -> Files {
        let files = Files(certificate: directory.file("\(name).crt"), key: directory.file("\(name).key"))
        try certificate.save(certificateFile: files.certificate, privateKeyFile: files.key)
        return files
    }

    /// Runs a TLS server session over an accepted connection until `done` says so or the peer goes quiet.
    static func serve(_ session: TLSServerSession, on connection: LoopbackSocket,
                      until done: ([UInt8]) -> Bool) -> [UInt8] {
        var received: [UInt8] = []
        while !done(received), let bytes = connection.receive(timeout: .seconds(10)), !bytes.isEmpty {
            let output = session.receive(bytes)
            connection.sendAll(output.outgoing)
            received += output.applicationData
            if case .failed = session.state { break }
        }
        return received
    }

    /// `openssl s_client` verifies the bridge's self-signed certificate (as its CA, for the name localhost),
    /// presents a client certificate, and exchanges a line each way with a TLSServerSession.
    @Test func serverSessionWithOpenSSLClient() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bridge = try Certificate.forTests()
        let alice = try Certificate.generateSelfSigned(commonName: "alice")
        let bridgeFiles = try Self.write(bridge, named: "bridge", in: directory)
        let aliceFiles = try Self.write(alice, named: "alice", in: directory)
        let (listener, port) = try LoopbackSocket.tcpListener()
        defer { listener.closeSocket() }

        let client = try OpenSSLPeer([
            "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost",
            "-CAfile", bridgeFiles.certificate, "-verify_return_error", "-verify_hostname", "localhost",
            "-cert", aliceFiles.certificate, "-key", aliceFiles.key, "-quiet",
        ])
        client.write("hello from s_client\n")
        let connection = try listener.acceptConnection(timeout: .seconds(10))
        let session = try TLSServerSession(context: TLSServerContext(
            configuration: TLSServerConfiguration(certificate: bridge, clientCertificates: .require)))
        let received = Self.serve(session, on: connection) { $0.contains(UInt8(ascii: "\n")) }
        #expect(String(decoding: received, as: UTF8.self) == "hello from s_client\n")
        #expect(session.state == .connected)
        #expect(session.peerCertificate?.fingerprint() == alice.fingerprint())
        #expect(session.peerCertificate?.subject == "CN=alice")
        #expect(session.protocolVersion == "TLSv1.3")

        connection.sendAll(try session.send(Array("hello from the bridge\n".utf8)).outgoing)
        connection.sendAll(session.close().outgoing)
        connection.shutdownWrite()
        let (stdout, stderr) = client.finish()
        connection.closeSocket()
        #expect(stdout.contains("hello from the bridge"), "\(stderr)")
    }

    /// A TLS 1.2 `openssl s_client` connects too, since the bridge accepts TLS 1.2 and later.
    @Test func serverSessionAcceptsTLS12Client() throws {
        let bridge = try Certificate.forTests()
        let (listener, port) = try LoopbackSocket.tcpListener()
        defer { listener.closeSocket() }
        let client = try OpenSSLPeer(["s_client", "-connect", "127.0.0.1:\(port)", "-tls1_2", "-quiet"])
        client.write("ping\n")
        let connection = try listener.acceptConnection(timeout: .seconds(10))
        let session = try TLSServerSession(context: TLSServerContext(configuration: TLSServerConfiguration(certificate: bridge)))
        let received = Self.serve(session, on: connection) { $0.contains(UInt8(ascii: "\n")) }
        #expect(String(decoding: received, as: UTF8.self) == "ping\n")
        #expect(session.protocolVersion == "TLSv1.2")
        connection.sendAll(session.close().outgoing)
        connection.shutdownWrite()
        _ = client.finish()
        connection.closeSocket()
    }

    /// A TLS 1.1 client is refused with OpenSSL's reason (TLS 1.2 is the minimum).
    @Test func serverSessionRefusesTLS11() throws {
        let bridge = try Certificate.forTests()
        let (listener, port) = try LoopbackSocket.tcpListener()
        defer { listener.closeSocket() }
        let client = try OpenSSLPeer(["s_client", "-connect", "127.0.0.1:\(port)", "-tls1_1",
                                      "-cipher", "DEFAULT@SECLEVEL=0", "-quiet"])
        let connection = try listener.acceptConnection(timeout: .seconds(10))
        let session = try TLSServerSession(context: TLSServerContext(configuration: TLSServerConfiguration(certificate: bridge)))
        _ = Self.serve(session, on: connection) { _ in false }
        connection.closeSocket()
        _ = client.finish()
        guard case .failed(.handshakeFailed(let reason)) = session.state else {
            Issue.record("server state \(session.state)")
            return
        }
        #expect(reason.contains("unsupported protocol"))
    }

    /// A TLSClientSession pinned to `openssl s_server`'s certificate talks to its `-rev` echo service.
    @Test func clientSessionWithOpenSSLServer() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let serverIdentity = try Certificate.forTests()
        let files = try Self.write(serverIdentity, named: "server", in: directory)
        let server = try OpenSSLPeer(["s_server", "-accept", "127.0.0.1:0", "-cert", files.certificate, "-key", files.key,
                                      "-rev", "-naccept", "1"])
        let port = try server.acceptPort()
        let connection = try LoopbackSocket.tcpConnect(port: port)
        let session = try TLSClientSession(
            context: TLSClientContext(configuration: TLSClientConfiguration(verification: .pinned([serverIdentity.fingerprint()]))),
            serverName: "localhost")
        connection.sendAll(session.start().outgoing)
        connection.sendAll(try session.send(Array("hello from the bridge\n".utf8)).outgoing)
        var received: [UInt8] = []
        while !received.contains(UInt8(ascii: "\n")), let bytes = connection.receive(timeout: .seconds(10)), !bytes.isEmpty {
            let output = session.receive(bytes)
            connection.sendAll(output.outgoing)
            received += output.applicationData
        }
        #expect(session.state == .connected)
        #expect(session.peerCertificate?.fingerprint() == serverIdentity.fingerprint())
        #expect(String(decoding: received, as: UTF8.self) == "egdirb eht morf olleh\n")
        connection.sendAll(session.close().outgoing)
        connection.closeSocket()
        _ = server.finish()
    }

    /// A DTLSSession client completes DTLS-SRTP with `openssl s_server` over UDP, both sides select GCM, and the
    /// SRTP keys it exports are the bytes `s_server -keymatexport EXTRACTOR-dtls_srtp` prints.
    @Test func dtlsClientWithOpenSSLServerExportsTheSameKeys() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let serverIdentity = try Certificate.forTests("peer")
        let files = try Self.write(serverIdentity, named: "server", in: directory)
        let server = try OpenSSLPeer([
            "s_server", "-dtls1_2", "-accept", "127.0.0.1:0", "-cert", files.certificate, "-key", files.key,
            "-use_srtp", "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80",
            "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "56", "-verify", "1", "-naccept", "1",
        ])
        let port = try server.acceptPort()
        let (socket, _) = try LoopbackSocket.udp()
        defer { socket.closeSocket() }
        let bridge = try Certificate.forTests("bridge")
        let session = try DTLSSession(context: DTLSContext(configuration: DTLSConfiguration(certificate: bridge)),
                                      role: .client, expectedPeerFingerprints: [serverIdentity.fingerprint(.sha1)])
        var output = session.start(now: .now)
        let giveUp = ContinuousClock.now + .seconds(20)
        while session.state == .handshaking && ContinuousClock.now < giveUp {
            output.datagrams.forEach { socket.sendDatagram($0, toPort: port) }
            if let (datagram, _) = socket.receiveDatagram(timeout: .milliseconds(50)) {
                output = session.handleDatagram(datagram, now: .now)
            } else {
                output = session.handleTimeout(now: .now)
            }
        }
        output.datagrams.forEach { socket.sendDatagram($0, toPort: port) }
        #expect(session.state == .connected)
        let keys = try #require(session.connection?.srtp)
        #expect(keys.profile == .aeadAES128GCM)

        try session.send(Array("hello over DTLS\n".utf8), now: .now).datagrams.forEach { socket.sendDatagram($0, toPort: port) }
        // Give s_server time to print before close_notify ends it.
        usleep(200_000)
        session.close(now: .now).datagrams.forEach { socket.sendDatagram($0, toPort: port) }
        let (stdout, stderr) = server.finish()

        let exported = keys.client.key + keys.server.key + keys.client.salt + keys.server.salt
        let hex = exported.map { String(format: "%02X", $0) }.joined()
        #expect(stdout.uppercased().contains(hex), "s_server printed: \(stdout) \(stderr)")
        #expect(stdout.contains("SRTP_AEAD_AES_128_GCM"))
        #expect(stdout.contains("hello over DTLS"))
    }

    /// A DTLSSession server completes DTLS-SRTP with `openssl s_client` (which must present the certificate whose
    /// fingerprint the server expects), exports the keys s_client prints, and its records reach s_client.
    @Test func dtlsServerWithOpenSSLClientExportsTheSameKeys() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let endpoint = try Certificate.forTests("endpoint")
        let files = try Self.write(endpoint, named: "endpoint", in: directory)
        let (socket, port) = try LoopbackSocket.udp()
        defer { socket.closeSocket() }
        let bridge = try Certificate.forTests("bridge")
        let session = try DTLSSession(context: DTLSContext(configuration: DTLSConfiguration(certificate: bridge)),
                                      role: .server, expectedPeerFingerprints: [endpoint.fingerprint(.sha512)])
        let client = try OpenSSLPeer([
            "s_client", "-dtls1_2", "-connect", "127.0.0.1:\(port)", "-cert", files.certificate, "-key", files.key,
            "-use_srtp", "SRTP_AES128_CM_SHA1_80", "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60",
        ])
        var peerPort: UInt16 = 0
        var output = session.start(now: .now)
        let giveUp = ContinuousClock.now + .seconds(20)
        while session.state == .handshaking && ContinuousClock.now < giveUp {
            output.datagrams.forEach { socket.sendDatagram($0, toPort: peerPort) }
            if let (datagram, from) = socket.receiveDatagram(timeout: .milliseconds(50)) {
                peerPort = from
                output = session.handleDatagram(datagram, now: .now)
            } else {
                output = session.handleTimeout(now: .now)
            }
        }
        output.datagrams.forEach { socket.sendDatagram($0, toPort: peerPort) }
        #expect(session.state == .connected)
        let keys = try #require(session.connection?.srtp)
        #expect(keys.profile == .aes128CMHMACSHA1_80)
        #expect(session.connection?.matchedFingerprint == endpoint.fingerprint(.sha512))

        try session.send(Array("hello from the bridge\n".utf8), now: .now).datagrams.forEach {
            socket.sendDatagram($0, toPort: peerPort)
        }
        usleep(200_000)
        session.close(now: .now).datagrams.forEach { socket.sendDatagram($0, toPort: peerPort) }
        client.closeInput()
        let (stdout, stderr) = client.finish()

        let exported = keys.client.key + keys.server.key + keys.client.salt + keys.server.salt
        let hex = exported.map { String(format: "%02X", $0) }.joined()
        #expect(stdout.uppercased().contains(hex), "s_client printed: \(stdout) \(stderr)")
        #expect(stdout.contains("hello from the bridge"))
    }
}
