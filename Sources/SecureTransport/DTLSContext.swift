import COpenSSL

/// The DTLS role, from SDP `a=setup` (RFC 8842 section 5.2 / RFC 4145): `active` connects (client), `passive`
/// accepts (server). Resolving `actpass` is the SDP layer's decision.
public enum DTLSRole: Sendable, Equatable {
    case client
    case server
}

public struct DTLSConfiguration: Sendable {
    /// The bridge's identity; its fingerprint is the one in the SDP answer.
    public var certificate: Certificate
    /// Offered (client) or accepted (server) in `use_srtp`, most preferred first. Empty: no `use_srtp`, for an
    /// association that only carries the data channel.
    public var srtpProfiles: [SRTPProtectionProfile]
    /// Largest UDP payload the session emits during the handshake; flights are fragmented to fit. 1200 bytes
    /// passes any path that carries IPv6's minimum MTU with room for TURN framing.
    public var maximumDatagramSize: Int
    /// First retransmission timeout of a flight; it doubles per retransmission up to the maximum
    /// (RFC 6347 section 4.2.4.1 suggests 1 s and 60 s).
    public var initialRetransmissionTimeout: Duration
    public var maximumRetransmissionTimeout: Duration
    /// Retransmissions of one flight before the session fails with `retransmissionLimitReached`.
    public var maximumRetransmissions: Int

    public init(certificate: Certificate,
                srtpProfiles: [SRTPProtectionProfile] = SRTPProtectionProfile.preferred,
                maximumDatagramSize: Int = 1200,
                initialRetransmissionTimeout: Duration = .seconds(1),
                maximumRetransmissionTimeout: Duration = .seconds(60),
                maximumRetransmissions: Int = 7) {
        self.certificate = certificate
        self.srtpProfiles = srtpProfiles
        self.maximumDatagramSize = maximumDatagramSize
        self.initialRetransmissionTimeout = initialRetransmissionTimeout
        self.maximumRetransmissionTimeout = maximumRetransmissionTimeout
        self.maximumRetransmissions = maximumRetransmissions
    }
}

/// An `SSL_CTX` for DTLS 1.2, shared by all media sessions of the bridge.
///
/// Sendable because it is configured once in `init` and only read afterwards (OpenSSL allows creating `SSL`
/// objects from one `SSL_CTX` on several threads at once).
public final class DTLSContext: @unchecked Sendable {
    public let configuration: DTLSConfiguration
    /// `SSL_CTX *`, owned.
    let context: OpaquePointer

    public init(configuration: DTLSConfiguration) throws(TransportSetupError) {
        self.configuration = configuration
        guard (256...65_507).contains(configuration.maximumDatagramSize) else {
            throw .invalidConfiguration(reason: "maximum datagram size must be 256...65507 bytes")
        }
        guard configuration.initialRetransmissionTimeout >= .milliseconds(1),
              configuration.maximumRetransmissionTimeout >= configuration.initialRetransmissionTimeout,
              configuration.maximumRetransmissionTimeout <= .seconds(600) else {
            throw .invalidConfiguration(reason: "retransmission timeouts must satisfy 1 ms <= initial <= maximum <= 600 s")
        }
        guard configuration.maximumRetransmissions >= 0 else {
            throw .invalidConfiguration(reason: "maximum retransmissions must not be negative")
        }
        OpenSSLErrorQueue.clear()
        guard let context = SSL_CTX_new(DTLS_method()) else {
            throw .openSSLFailure(reason: OpenSSLErrorQueue.drainedText(fallback: "SSL_CTX_new failed"))
        }
        self.context = context
        try ContextSetup.common(context, minimumVersion: DTLS1_2_VERSION)
        try ContextSetup.identity(configuration.certificate, on: context)
        // The MTU is set per session; tickets and a session cache are useless for one-off media associations.
        SSL_CTX_set_options(context, clue_ssl_op_no_query_mtu() | clue_ssl_op_no_ticket())
        _ = clue_ssl_ctx_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))
        if !configuration.srtpProfiles.isEmpty {
            let profiles = configuration.srtpProfiles.map(\.rawValue).joined(separator: ":")
            // Unusually, 0 means success here.
            guard SSL_CTX_set_tlsext_use_srtp(context, profiles) == 0 else {
                throw .openSSLFailure(reason: OpenSSLErrorQueue.drainedText(fallback: "use_srtp \(profiles) refused"))
            }
        }
    }

    deinit {
        SSL_CTX_free(context)
    }
}
