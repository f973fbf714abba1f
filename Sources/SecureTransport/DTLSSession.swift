import COpenSSL

/// Something a DTLS session reports besides datagrams.
public enum DTLSEvent: Equatable, Sendable {
    /// The handshake finished and the peer's certificate matched its SDP fingerprint; SRTP keys are ready.
    case connected(DTLSConnection)
    /// The peer sent close_notify; the session is closed.
    case closeNotifyReceived
    /// The session is dead (a `fingerprintMismatch` among others); no keys were or will be exported. `datagrams`
    /// may still carry an alert for the peer.
    case failed(SessionFailure)
}

/// What a completed, authenticated DTLS handshake yielded.
public struct DTLSConnection: Equatable, Sendable {
    public let peerCertificate: PeerCertificate
    /// The announced fingerprint the certificate matched.
    public let matchedFingerprint: CertificateFingerprint
    /// Nil when the peer did not negotiate `use_srtp` (an association that carries only the data channel).
    public let srtp: SRTPKeyingMaterial?
    /// `DTLSv1.2`.
    public let protocolVersion: String
    public let cipherSuite: String
}

/// What one call on a DTLS session produced. Send each of `datagrams` as one UDP datagram, in order; hand each of
/// `applicationData` (one DTLS record each: an SCTP packet) to SCTP; act on `events`.
public struct DTLSOutput: Sendable {
    public var datagrams: [[UInt8]] = []
    public var applicationData: [[UInt8]] = []
    public var events: [DTLSEvent] = []

    public init() {}
}

/// One DTLS 1.2 association for DTLS-SRTP and the SCTP data channel (RFC 5764, RFC 8261): datagrams in,
/// datagrams out, time passed in. The peer's certificate must match one of the fingerprints of its SDP, with
/// whatever hash function that SDP used; otherwise the session fails with `fingerprintMismatch` and exports
/// nothing.
///
/// Confinement: not thread-safe. All calls on one session must be serialized (the participant's serial queue);
/// the session may be handed to another queue between calls, hence `@unchecked Sendable`.
///
/// ```swift
/// let session = try DTLSSession(context: dtls, role: .server, expectedPeerFingerprints: offer.fingerprints)
/// var output = session.start(now: .now)
/// // for each datagram the RFC 7983 demultiplexer routes here:
/// output = session.handleDatagram(bytes, now: now)
/// // when the driver's timer fires:
/// output = session.handleTimeout(now: now)
/// // after every call: send output.datagrams; feed output.applicationData to SCTP; on .connected(info),
/// // build the libsrtp2 contexts from info.srtp; on .failed, hang up; re-arm the timer at
/// session.nextTimeout(now: now)
/// ```
public final class DTLSSession: @unchecked Sendable {
    public let role: DTLSRole
    public private(set) var state: SessionState = .handshaking
    /// Set at the `connected` event.
    public private(set) var connection: DTLSConnection?

    /// `SSL *`, owned; it owns the BIO.
    private let ssl: OpaquePointer
    private let channel: DatagramChannel
    private let verification: PeerVerification
    private let maximumRetransmissions: Int

    /// The largest application record (RFC 6347: 2^14 bytes of plaintext).
    public static let maximumRecordSize = 16_384

    /// `expectedPeerFingerprints` are the `a=fingerprint` values of the peer's SDP; at least one is required.
    public init(context: DTLSContext, role: DTLSRole,
                expectedPeerFingerprints: [CertificateFingerprint]) throws(TransportSetupError) {
        guard !expectedPeerFingerprints.isEmpty else {
            throw .invalidConfiguration(reason: "a DTLS-SRTP peer must announce a fingerprint (RFC 8842)")
        }
        let configuration = context.configuration
        self.role = role
        maximumRetransmissions = configuration.maximumRetransmissions
        channel = DatagramChannel(initialTimeout: configuration.initialRetransmissionTimeout,
                                  maximumTimeout: configuration.maximumRetransmissionTimeout)
        verification = PeerVerification(expectedFingerprints: expectedPeerFingerprints)
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context.context) else {
            throw .openSSLFailure(reason: OpenSSLErrorQueue.drainedText(fallback: "SSL_new failed"))
        }
        guard let bio = DatagramBIOMethod.shared.makeBIO(for: channel) else {
            SSL_free(ssl)
            throw .openSSLFailure(reason: OpenSSLErrorQueue.drainedText(fallback: "BIO_new failed"))
        }
        SSL_set_bio(ssl, bio, bio)  // one BIO both ways; SSL_set_bio takes a single reference for the pair
        self.ssl = ssl
        guard verification.attach(to: ssl) else {
            throw .openSSLFailure(reason: OpenSSLErrorQueue.drainedText(fallback: "SSL_set_ex_data failed"))
        }
        guard clue_dtls_set_link_mtu(ssl, configuration.maximumDatagramSize) == 1 else {
            throw .invalidConfiguration(reason: "MTU \(configuration.maximumDatagramSize) refused by OpenSSL")
        }
        DTLS_set_timer_cb(ssl, dtlsTimerCallback)
        switch role {
        case .client:
            SSL_set_connect_state(ssl)
            SSL_set_verify(ssl, SSL_VERIFY_PEER, verifyPeerByFingerprint)
        case .server:
            SSL_set_accept_state(ssl)
            // DTLS-SRTP authenticates both ends: the client must present the certificate its SDP announced.
            SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verifyPeerByFingerprint)
        }
    }

    deinit {
        SSL_free(ssl)
    }

    /// The client sends its ClientHello; the server has nothing to say until one arrives.
    public func start(now: ContinuousClock.Instant) -> DTLSOutput {
        perform(now: now) { output in drive(&output) }
    }

    /// Feeds one received datagram (the bytes are read during the call, not kept).
    public func handleDatagram(_ datagram: UnsafeRawBufferPointer, now: ContinuousClock.Instant) -> DTLSOutput {
        // An empty datagram carries no record, and a zero-byte read would look like end of stream to OpenSSL.
        guard state == .handshaking || state == .connected, !datagram.isEmpty else { return DTLSOutput() }
        return perform(now: now) { output in
            channel.inbound = datagram
            defer { channel.inbound = nil }  // a datagram OpenSSL did not want is dropped, as UDP would
            drive(&output)
        }
    }

    public func handleDatagram(_ datagram: [UInt8], now: ContinuousClock.Instant) -> DTLSOutput {
        datagram.withUnsafeBytes { handleDatagram($0, now: now) }
    }

    /// Encrypts one application record (an SCTP packet). Only once connected.
    public func send(_ record: [UInt8], now: ContinuousClock.Instant) throws(SendError) -> DTLSOutput {
        guard state == .connected else { throw .notConnected(state) }
        guard record.count <= Self.maximumRecordSize else { throw .recordTooLarge(maximum: Self.maximumRecordSize) }
        guard !record.isEmpty else { return DTLSOutput() }
        return perform(now: now) { output in
            var written = 0
            let result = record.withUnsafeBytes { SSL_write_ex(ssl, $0.baseAddress, $0.count, &written) }
            if result != 1 {
                fail(.connectionFailed(reason: OpenSSLErrorQueue.drainedText(fallback: "SSL_write failed")),
                     into: &output)
            }
        }
    }

    /// When `handleTimeout` must next be called, or nil when no retransmission is pending.
    public func nextTimeout(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard state == .handshaking || state == .connected else { return nil }
        guard channel.wallClockMode else { return channel.deadline }
        var remaining = timeval()
        guard clue_dtls_get_timeout(ssl, &remaining) == 1 else { return nil }
        return now + .seconds(Int64(remaining.tv_sec)) + .microseconds(Int64(remaining.tv_usec))
    }

    /// Retransmits the current flight when its deadline has passed; a no-op otherwise.
    public func handleTimeout(now: ContinuousClock.Instant) -> DTLSOutput {
        guard state == .handshaking || state == .connected, isTimerDue(now: now) else { return DTLSOutput() }
        return perform(now: now) { output in
            if channel.retransmissions >= maximumRetransmissions {
                fail(.retransmissionLimitReached, into: &output)
                return
            }
            let forced = channel.forceExpiry()
            let result = clue_dtls_handle_timeout(ssl)
            if result > 0 {
                channel.retransmissions += 1
            } else if result < 0 {
                fail(timeoutFailure(), into: &output)
            } else if forced {
                // OpenSSL did not see the forced expiry, so parking does not work on this build: let its own
                // clock decide from now on rather than report a deadline that never clears.
                channel.fallBackToWallClock()
            }
        }
    }

    private func isTimerDue(now: ContinuousClock.Instant) -> Bool {
        if !channel.wallClockMode {
            guard let deadline = channel.deadline else { return false }
            return now >= deadline
        }
        var remaining = timeval()
        return clue_dtls_get_timeout(ssl, &remaining) == 1 && remaining.tv_sec == 0 && remaining.tv_usec == 0
    }

    /// Sends close_notify when connected; the session then ignores all input.
    public func close(now: ContinuousClock.Instant) -> DTLSOutput {
        perform(now: now) { _ in
            if state == .connected {
                _ = SSL_shutdown(ssl)
            }
            if state == .handshaking || state == .connected { state = .closed }
        }
    }

    // MARK: Driving OpenSSL

    private func perform(now: ContinuousClock.Instant, _ body: (inout DTLSOutput) -> Void) -> DTLSOutput {
        var output = DTLSOutput()
        channel.now = now
        OpenSSLErrorQueue.clear()
        body(&output)
        OpenSSLErrorQueue.clear()
        output.datagrams = channel.takeOutbound()
        return output
    }

    private func drive(_ output: inout DTLSOutput) {
        if state == .handshaking {
            let result = SSL_do_handshake(ssl)
            if result == 1 {
                completeHandshake(&output)
            } else if !wantsMoreIO(result) {
                fail(handshakeFailure(), into: &output)
                return
            }
        }
        if state == .connected {
            readApplicationData(&output)
        }
    }

    /// Checks the peer's certificate once more, then exports the SRTP keys. The verify callback has already
    /// refused a mismatching certificate during the handshake; this second check guards against any path on
    /// which OpenSSL did not call it.
    private func completeHandshake(_ output: inout DTLSOutput) {
        guard let certificate = SSL_get0_peer_certificate(ssl) else {
            fail(.peerCertificateMissing, into: &output)
            return
        }
        let peer = PeerCertificate(borrowing: certificate)
        if let mismatch = verification.check(derCertificate: peer.derEncoded) {
            fail(mismatch, into: &output)
            return
        }
        guard let matched = verification.expectedFingerprints.firstMatch(derCertificate: peer.derEncoded) else {
            return  // unreachable: check() returned no mismatch
        }
        var srtp: SRTPKeyingMaterial?
        if let selected = SSL_get_selected_srtp_profile(ssl) {
            guard let profile = SRTPProtectionProfile(identifier: UInt16(truncatingIfNeeded: selected.pointee.id)),
                  let material = exportKeyingMaterial(for: profile) else {
                fail(.handshakeFailed(reason: OpenSSLErrorQueue.drainedText(fallback: "SRTP key export failed")),
                     into: &output)
                return
            }
            srtp = material
        }
        let cipher = SSL_get_current_cipher(ssl).map { String(cString: SSL_CIPHER_get_name($0)) } ?? ""
        let established = DTLSConnection(peerCertificate: peer, matchedFingerprint: matched, srtp: srtp,
                                         protocolVersion: String(cString: SSL_get_version(ssl)), cipherSuite: cipher)
        connection = established
        state = .connected
        output.events.append(.connected(established))
    }

    private func exportKeyingMaterial(for profile: SRTPProtectionProfile) -> SRTPKeyingMaterial? {
        let label = SRTPKeyingMaterial.exporterLabel
        var exported = [UInt8](repeating: 0, count: SRTPKeyingMaterial.exportLength(for: profile))
        let status = SSL_export_keying_material(ssl, &exported, exported.count, label, label.utf8.count, nil, 0, 0)
        guard status == 1 else { return nil }
        return SRTPKeyingMaterial(profile: profile, exported: exported)
    }

    private func readApplicationData(_ output: inout DTLSOutput) {
        let capacity = Self.maximumRecordSize
        withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 1) { buffer in
            while true {
                var count = 0
                let result = SSL_read_ex(ssl, buffer.baseAddress, capacity, &count)
                if result == 1 {
                    output.applicationData.append(Array(UnsafeRawBufferPointer(rebasing: buffer[..<count])))
                    continue
                }
                let error = SSL_get_error(ssl, result)
                if isRetryable(error) { return }
                if error == SSL_ERROR_ZERO_RETURN {
                    output.events.append(.closeNotifyReceived)
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
        isRetryable(SSL_get_error(ssl, result))
    }

    /// Besides "want read", OpenSSL 3.0 answers a DTLS record it silently discarded (bad MAC, stale epoch, as
    /// RFC 6347 section 4.1.2.7 asks) with SSL_ERROR_SYSCALL and an empty error queue: nothing happened, wait
    /// for the next datagram. A real failure always leaves a reason on the queue (SSL_ERROR_SSL).
    private func isRetryable(_ error: Int32) -> Bool {
        error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE
            || (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
    }

    private func handshakeFailure() -> SessionFailure {
        let errors = OpenSSLErrorQueue.drain()
        if let failure = verification.failure { return failure }
        if errors.contains(where: { $0.library == ERR_LIB_SSL && $0.reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE }) {
            return .peerCertificateMissing
        }
        if errors.contains(where: { $0.library == ERR_LIB_SSL && $0.reason == SSL_R_READ_TIMEOUT_EXPIRED }) {
            return .retransmissionLimitReached
        }
        return .handshakeFailed(reason: errors.isEmpty ? "handshake failed" : errors.map(\.text).joined(separator: "; "))
    }

    private func timeoutFailure() -> SessionFailure {
        state == .handshaking ? handshakeFailure()
            : .connectionFailed(reason: OpenSSLErrorQueue.drainedText(fallback: "retransmission failed"))
    }

    private func fail(_ failure: SessionFailure, into output: inout DTLSOutput) {
        state = .failed(failure)
        connection = nil
        output.events.append(.failed(failure))
    }
}
