import COpenSSL

/// The oldest protocol version a TLS context accepts. TLS 1.0 and 1.1 are never offered (RFC 8996).
public enum TLSProtocolVersion: Sendable, Equatable {
    case tls12
    case tls13

    var openSSLVersion: Int32 {
        switch self {
        case .tls12: TLS1_2_VERSION
        case .tls13: TLS1_3_VERSION
        }
    }
}

/// Whether a TLS server asks clients for a certificate. The server accepts whatever certificate is presented and
/// exposes it (`peerCertificate`): authorization by fingerprint or subject is the caller's decision.
public enum ClientCertificatePolicy: Sendable, Equatable {
    case notRequested
    /// Ask; a client without a certificate still connects.
    case request
    /// Ask; the handshake fails without one.
    case require
}

public struct TLSServerConfiguration: Sendable {
    public var certificate: Certificate
    public var clientCertificates: ClientCertificatePolicy
    public var minimumVersion: TLSProtocolVersion

    public init(certificate: Certificate, clientCertificates: ClientCertificatePolicy = .notRequested,
                minimumVersion: TLSProtocolVersion = .tls12) {
        self.certificate = certificate
        self.clientCertificates = clientCertificates
        self.minimumVersion = minimumVersion
    }
}

/// How a TLS client authenticates the server.
public enum ServerVerification: Sendable, Equatable {
    /// Accept any certificate: no authentication at all. For tests and the load harness only.
    case acceptAnyCertificate
    /// The server's leaf certificate must have one of these fingerprints (the bridge's own self-signed identity).
    case pinned([CertificateFingerprint])
    /// Verify the chain against CA certificates in a PEM file, or the system store when nil, and check that the
    /// certificate names the `serverName` given to the session.
    case certificateAuthorities(pemFile: String?)
}

public struct TLSClientConfiguration: Sendable {
    public var verification: ServerVerification
    /// Presented when the server asks for a client certificate.
    public var certificate: Certificate?
    public var minimumVersion: TLSProtocolVersion

    public init(verification: ServerVerification, certificate: Certificate? = nil,
                minimumVersion: TLSProtocolVersion = .tls12) {
        self.verification = verification
        self.certificate = certificate
        self.minimumVersion = minimumVersion
    }
}

/// An `SSL_CTX` for SIP over TLS, shared by every connection on a listener.
///
/// Sendable because it is configured once in `init` and only read afterwards: OpenSSL allows creating `SSL`
/// objects from one `SSL_CTX` on several threads at once.
public final class TLSServerContext: @unchecked Sendable {
    public let configuration: TLSServerConfiguration
    /// `SSL_CTX *`, owned.
    let context: OpaquePointer

    public init(configuration: TLSServerConfiguration) throws(TransportSetupError) {
        self.configuration = configuration
        OpenSSLErrorQueue.clear()
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw .openSSLFailure(reason: OpenSSLErrorQueue.drainedText(fallback: "SSL_CTX_new failed"))
        }
        self.context = context
        try ContextSetup.common(context, minimumVersion: configuration.minimumVersion.openSSLVersion)
        try ContextSetup.identity(configuration.certificate, on: context)
        SSL_CTX_set_options(context, clue_ssl_op_cipher_server_preference())
        switch configuration.clientCertificates {
        case .notRequested:
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        case .request:
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, verifyPeerByFingerprint)
        case .require:
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verifyPeerByFingerprint)
        }
    }

    deinit {
        SSL_CTX_free(context)
    }
}

/// An `SSL_CTX` for TLS clients (tests, the load harness, outbound SIP). Sendable for the same reason as
/// `TLSServerContext`.
public final class TLSClientContext: @unchecked Sendable {
    public let configuration: TLSClientConfiguration
    /// `SSL_CTX *`, owned.
    let context: OpaquePointer

    public init(configuration: TLSClientConfiguration) throws(TransportSetupError) {
        self.configuration = configuration
        OpenSSLErrorQueue.clear()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw .openSSLFailure(reason: OpenSSLErrorQueue.drainedText(fallback: "SSL_CTX_new failed"))
        }
        self.context = context
        try ContextSetup.common(context, minimumVersion: configuration.minimumVersion.openSSLVersion)
        if let certificate = configuration.certificate {
            try ContextSetup.identity(certificate, on: context)
        }
        switch configuration.verification {
        case .acceptAnyCertificate:
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        case .pinned(let fingerprints):
            guard !fingerprints.isEmpty else {
                throw .invalidConfiguration(reason: "pinned verification needs at least one fingerprint")
            }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, verifyPeerByFingerprint)
        case .certificateAuthorities(let pemFile):
            let loaded = if let pemFile {
                SSL_CTX_load_verify_locations(context, pemFile, nil)
            } else {
                SSL_CTX_set_default_verify_paths(context)
            }
            guard loaded == 1 else {
                throw .invalidConfiguration(reason: OpenSSLErrorQueue.drainedText(
                    fallback: "cannot load CA certificates from \(pemFile ?? "the system store")"))
            }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        }
    }

    deinit {
        SSL_CTX_free(context)
    }
}

/// Settings shared by the TLS and DTLS contexts.
enum ContextSetup {
    static func common(_ context: OpaquePointer, minimumVersion: Int32) throws(TransportSetupError) {
        guard clue_ssl_ctx_set_min_proto_version(context, minimumVersion) == 1 else {
            throw .openSSLFailure(reason: OpenSSLErrorQueue.drainedText(fallback: "cannot set minimum version"))
        }
        // Renegotiation buys nothing here and is a classic CPU-exhaustion vector.
        SSL_CTX_set_options(context, clue_ssl_op_no_renegotiation())
        // Release idle read/write buffers (about 34 KiB per idle connection), and let a retried SSL_write come
        // from a different address (Swift arrays move).
        _ = clue_ssl_ctx_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
    }

    static func identity(_ certificate: Certificate, on context: OpaquePointer) throws(TransportSetupError) {
        guard SSL_CTX_use_certificate(context, certificate.x509) == 1,
              SSL_CTX_use_PrivateKey(context, certificate.privateKey) == 1,
              SSL_CTX_check_private_key(context) == 1 else {
            throw .invalidConfiguration(reason: OpenSSLErrorQueue.drainedText(fallback: "unusable certificate"))
        }
        for intermediate in certificate.chain {
            guard clue_ssl_ctx_add1_chain_cert(context, intermediate) == 1 else {
                throw .openSSLFailure(reason: OpenSSLErrorQueue.drainedText(fallback: "cannot add chain"))
            }
        }
    }
}
