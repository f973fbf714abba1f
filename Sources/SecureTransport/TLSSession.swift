import COpenSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Something a TLS session reports besides bytes.
public enum TLSEvent: Equatable, Sendable {
    /// The handshake finished; `peerCertificate`, `protocolVersion` and `cipherSuite` are now set.
    case handshakeCompleted
    /// The peer sent close_notify. The session answered with its own; close the connection after sending.
    case closeNotifyReceived
    /// The session is dead; `outgoing` may still hold an alert worth sending before closing the connection.
    case failed(SessionFailure)
}

/// What one call on a TLS session produced. Write `outgoing` to the TCP connection, hand `applicationData` to
/// the SIP framer, act on `events` (in order).
public struct TLSOutput: Sendable {
    /// Ciphertext for the peer, in order.
    public var outgoing: [UInt8] = []
    /// Decrypted bytes from the peer, in order.
    public var applicationData: [UInt8] = []
    public var events: [TLSEvent] = []

    public init() {}
}

/// The server end of one SIP-over-TLS connection, over two memory BIOs: bytes in, bytes out, no socket.
///
/// Confinement: not thread-safe. All calls on one session must be serialized (the connection's serial queue);
/// the session may be handed to another queue between calls, hence `@unchecked Sendable`.
///
/// ```swift
/// let session = try TLSServerSession(context: serverContext)
/// // on every read from the socket:
/// let output = session.receive(bytesFromSocket)
/// socket.write(output.outgoing)
/// sipFramer.append(output.applicationData)
/// for event in output.events { ... }   // .handshakeCompleted, .closeNotifyReceived, .failed
/// // to send a SIP message:
/// socket.write(try session.send(Array(message.utf8)).outgoing)
/// ```
public final class TLSServerSession: @unchecked Sendable {
    private let engine: TLSEngine

    public init(context: TLSServerContext) throws(TransportSetupError) {
        engine = try TLSEngine(context: context.context, isServer: true, serverName: nil,
                               verification: PeerVerification(expectedFingerprints: []), verifiesHostName: false)
    }

    public var state: SessionState { engine.state }
    /// The client's certificate, when one was requested and presented (set at `handshakeCompleted`).
    public var peerCertificate: PeerCertificate? { engine.peerCertificate }
    /// `TLSv1.2` or `TLSv1.3`, once connected.
    public var protocolVersion: String? { engine.protocolVersion }
    public var cipherSuite: String? { engine.cipherSuite }

    /// Feeds bytes read from the connection (copied into OpenSSL during the call, not kept).
    public func receive(_ bytes: UnsafeRawBufferPointer) -> TLSOutput { engine.receive(bytes) }
    public func receive(_ bytes: [UInt8]) -> TLSOutput { bytes.withUnsafeBytes { engine.receive($0) } }
    /// Encrypts application bytes; before the handshake completes they wait and go out right after it.
    public func send(_ bytes: [UInt8]) throws(SendError) -> TLSOutput { try engine.send(bytes) }
    /// Sends close_notify (when connected) and stops accepting data.
    public func close() -> TLSOutput { engine.close() }
}

/// The client end of a TLS connection (tests, the load harness, outbound SIP). Same confinement rule as
/// `TLSServerSession`.
public final class TLSClientSession: @unchecked Sendable {
    private let engine: TLSEngine

    /// `serverName` goes into SNI (when it is a host name) and, with `.certificateAuthorities` verification, must
    /// be named by the server's certificate.
    public init(context: TLSClientContext, serverName: String? = nil) throws(TransportSetupError) {
        let pins: [CertificateFingerprint] = if case .pinned(let pins) = context.configuration.verification { pins } else { [] }
        var verifiesHostName = false
        if case .certificateAuthorities = context.configuration.verification {
            guard serverName != nil else {
                throw .invalidConfiguration(reason: "CA verification needs the server's name")
            }
            verifiesHostName = true
        }
        engine = try TLSEngine(context: context.context, isServer: false, serverName: serverName,
                               verification: PeerVerification(expectedFingerprints: pins),
                               verifiesHostName: verifiesHostName)
    }

    public var state: SessionState { engine.state }
    /// The server's certificate (set at `handshakeCompleted`).
    public var peerCertificate: PeerCertificate? { engine.peerCertificate }
    public var protocolVersion: String? { engine.protocolVersion }
    public var cipherSuite: String? { engine.cipherSuite }

    /// Produces the ClientHello.
    public func start() -> TLSOutput { engine.drive() }
    public func receive(_ bytes: UnsafeRawBufferPointer) -> TLSOutput { engine.receive(bytes) }
    public func receive(_ bytes: [UInt8]) -> TLSOutput { bytes.withUnsafeBytes { engine.receive($0) } }
    public func send(_ bytes: [UInt8]) throws(SendError) -> TLSOutput { try engine.send(bytes) }
    public func close() -> TLSOutput { engine.close() }
}

/// One `SSL` over a pair of memory BIOs; the shared body of the TLS client and server sessions.
final class TLSEngine {
    /// `SSL *`, owned; it owns both BIOs.
    private let ssl: OpaquePointer
    /// Peer to OpenSSL.
    private let inbound: OpaquePointer
    /// OpenSSL to peer.
    private let outbound: OpaquePointer
    private let verification: PeerVerification
    private(set) var state: SessionState = .handshaking
    private(set) var peerCertificate: PeerCertificate?
    private(set) var protocolVersion: String?
    private(set) var cipherSuite: String?
    /// Application bytes accepted before the handshake completed (or while OpenSSL wants to read first).
    private var pendingPlaintext: [UInt8] = []

    init(context: OpaquePointer, isServer: Bool, serverName: String?, verification: PeerVerification,
         verifiesHostName: Bool) throws(TransportSetupError) {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context) else {
            throw .openSSLFailure(reason: OpenSSLErrorQueue.drainedText(fallback: "SSL_new failed"))
        }
        guard let inbound = BIO_new(BIO_s_mem()), let outbound = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .openSSLFailure(reason: OpenSSLErrorQueue.drainedText(fallback: "BIO_new failed"))
        }
        // An empty inbound BIO means "wait for more", never end of stream.
        _ = clue_bio_set_mem_eof_return(inbound, -1)
        _ = clue_bio_set_mem_eof_return(outbound, -1)
        SSL_set_bio(ssl, inbound, outbound)
        self.ssl = ssl
        self.inbound = inbound
        self.outbound = outbound
        self.verification = verification
        guard verification.attach(to: ssl) else {
            throw .openSSLFailure(reason: OpenSSLErrorQueue.drainedText(fallback: "SSL_set_ex_data failed"))
        }
        if isServer {
            SSL_set_accept_state(ssl)
        } else {
            SSL_set_connect_state(ssl)
            if let serverName {
                try configureServerName(serverName, verifiesHostName: verifiesHostName)
            }
        }
    }

    deinit {
        SSL_free(ssl)
    }

    private func configureServerName(_ name: String, verifiesHostName: Bool) throws(TransportSetupError) {
        var v4 = in_addr()
        var v6 = in6_addr()
        let isAddress = inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1
        // RFC 6066 section 3: SNI carries host names only, never address literals.
        if !isAddress, clue_ssl_set_tlsext_host_name(ssl, name) != 1 {
            throw .invalidConfiguration(reason: "invalid server name \(name)")
        }
        guard verifiesHostName else { return }
        let ok = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1
                           : SSL_set1_host(ssl, name) == 1
        guard ok else { throw .invalidConfiguration(reason: "cannot verify against \(name)") }
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> TLSOutput {
        guard state == .handshaking || state == .connected else { return TLSOutput() }
        var offset = 0
        while offset < bytes.count {
            let chunk = min(bytes.count - offset, Int(Int32.max))
            // A memory BIO grows as needed; writing to it fails only when memory runs out.
            let written = BIO_write(inbound, bytes.baseAddress! + offset, Int32(chunk))
            guard written > 0 else { break }
            offset += Int(written)
        }
        return drive()
    }

    func send(_ bytes: [UInt8]) throws(SendError) -> TLSOutput {
        guard state == .handshaking || state == .connected else { throw .notConnected(state) }
        pendingPlaintext.append(contentsOf: bytes)
        return drive()
    }

    func close() -> TLSOutput {
        var output = TLSOutput()
        if state == .connected {
            OpenSSLErrorQueue.clear()
            // 0 means close_notify went out and the peer's has not arrived; the caller closes anyway (SIP does
            // not need the peer's reply), so the result is not waited for.
            _ = SSL_shutdown(ssl)
            OpenSSLErrorQueue.clear()
        }
        if state == .handshaking || state == .connected { state = .closed }
        output.outgoing = MemoryBIO.readAll(outbound)
        return output
    }

    /// Runs OpenSSL as far as the bytes at hand allow and collects what it produced.
    func drive() -> TLSOutput {
        var output = TLSOutput()
        OpenSSLErrorQueue.clear()
        advance(&output)
        OpenSSLErrorQueue.clear()
        output.outgoing = MemoryBIO.readAll(outbound)
        return output
    }

    private func advance(_ output: inout TLSOutput) {
        if state == .handshaking {
            let result = SSL_do_handshake(ssl)
            if result == 1 {
                state = .connected
                recordHandshake()
                output.events.append(.handshakeCompleted)
            } else if !wantsMoreIO(result) {
                fail(handshakeFailure(), into: &output)
                return
            }
        }
        guard state == .connected else { return }
        flushPlaintext(into: &output)
        if state == .connected { readApplicationData(into: &output) }
        // Reading may have completed a TLS 1.3 key update that a blocked write was waiting for.
        if state == .connected, !pendingPlaintext.isEmpty { flushPlaintext(into: &output) }
    }

    private func recordHandshake() {
        if let certificate = SSL_get0_peer_certificate(ssl) {
            peerCertificate = PeerCertificate(borrowing: certificate)
        }
        protocolVersion = String(cString: SSL_get_version(ssl))
        if let cipher = SSL_get_current_cipher(ssl) {
            cipherSuite = String(cString: SSL_CIPHER_get_name(cipher))
        }
    }

    private func flushPlaintext(into output: inout TLSOutput) {
        guard !pendingPlaintext.isEmpty else { return }
        var written = 0
        let result = pendingPlaintext.withUnsafeBytes { buffer in
            SSL_write_ex(ssl, buffer.baseAddress, buffer.count, &written)
        }
        if result == 1 {
            pendingPlaintext.removeAll(keepingCapacity: false)
        } else if !wantsMoreIO(result) {
            fail(.connectionFailed(reason: OpenSSLErrorQueue.drainedText(fallback: "SSL_write failed")), into: &output)
        }
    }

    private func readApplicationData(into output: inout TLSOutput) {
        let capacity = 16_384
        withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 1) { buffer in
            while true {
                var count = 0
                let result = SSL_read_ex(ssl, buffer.baseAddress, capacity, &count)
                if result == 1 {
                    output.applicationData.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                    continue
                }
                let error = SSL_get_error(ssl, result)
                if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { return }
                if error == SSL_ERROR_ZERO_RETURN {
                    output.events.append(.closeNotifyReceived)
                    _ = SSL_shutdown(ssl)  // answer with our close_notify
                    OpenSSLErrorQueue.clear()
                    state = .closed
                    return
                }
                fail(.connectionFailed(reason: OpenSSLErrorQueue.drainedText(fallback: "SSL_read failed (\(error))")),
                     into: &output)
                return
            }
        }
    }

    private func wantsMoreIO(_ result: Int32) -> Bool {
        let error = SSL_get_error(ssl, result)
        return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE
    }

    private func handshakeFailure() -> SessionFailure {
        let errors = OpenSSLErrorQueue.drain()
        if let failure = verification.failure { return failure }
        if errors.contains(where: { $0.library == ERR_LIB_SSL && $0.reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE }) {
            return .peerCertificateMissing
        }
        return .handshakeFailed(reason: errors.isEmpty ? "handshake failed" : errors.map(\.text).joined(separator: "; "))
    }

    private func fail(_ failure: SessionFailure, into output: inout TLSOutput) {
        state = .failed(failure)
        pendingPlaintext = []
        output.events.append(.failed(failure))
    }
}
