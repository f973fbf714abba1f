import COpenSSL

/// Why a certificate could not be generated, read, parsed or written.
public enum CertificateError: Error, Equatable, Sendable {
    /// OpenSSL refused to generate the key or sign the certificate.
    case generationFailed(reason: String)
    /// A file could not be opened or read.
    case unreadableFile(path: String, reason: String)
    /// The text holds no certificate or key in PEM form, or an encrypted key (passphrases are not supported).
    case invalidPEM(reason: String)
    /// The bytes are not a DER-encoded X.509 certificate.
    case invalidDER(reason: String)
    /// The private key does not belong to the certificate's public key.
    case keyDoesNotMatchCertificate
    /// Exactly one of the certificate and key files exists; refusing to overwrite or guess.
    case incompletePair(missing: String)
    /// A file could not be written (the key is written atomically with mode 0600).
    case writeFailed(path: String, reason: String)
}

/// Why a TLS or DTLS context or session could not be set up (configuration, never the peer's fault).
public enum TransportSetupError: Error, Equatable, Sendable {
    case invalidConfiguration(reason: String)
    case openSSLFailure(reason: String)
}

/// Why a session died. Reported once, as a `failed` event; the session then ignores all input.
public enum SessionFailure: Error, Equatable, Sendable {
    /// The handshake failed; `reason` is OpenSSL's error text (including any alert the peer sent).
    case handshakeFailed(reason: String)
    /// The peer's certificate matches none of the fingerprints it announced (RFC 8122 section 5, RFC 8842
    /// section 5) or that were pinned. `presented` holds the certificate's digest under each expected hash.
    /// No key was exported and no application data was accepted.
    case fingerprintMismatch(expected: [CertificateFingerprint], presented: [CertificateFingerprint])
    /// The peer sent no certificate although one is required (DTLS-SRTP always requires one).
    case peerCertificateMissing
    /// The peer did not answer a flight after the configured number of retransmissions (DTLS).
    case retransmissionLimitReached
    /// A fatal error after the handshake: a bad record, or a fatal alert from the peer.
    case connectionFailed(reason: String)
}

/// Why application data was refused by `send`. The session itself is unaffected.
public enum SendError: Error, Equatable, Sendable {
    /// The session is not (or no longer) connected; DTLS carries no data before its handshake completes.
    case notConnected(SessionState)
    /// A DTLS record carries at most this many bytes; the caller (SCTP) must segment below the MTU anyway.
    case recordTooLarge(maximum: Int)
}

/// Where a TLS or DTLS session stands.
public enum SessionState: Equatable, Sendable {
    case handshaking
    case connected
    /// close_notify was sent or received; no more application data in either direction.
    case closed
    case failed(SessionFailure)
}

/// One entry of OpenSSL's per-thread error queue.
struct OpenSSLError {
    let library: Int32
    let reason: Int32
    let text: String
}

/// OpenSSL reports errors on a per-thread queue. Each operation clears it first (otherwise an error left by
/// another session on the same thread would be blamed on this one) and drains it when it fails.
enum OpenSSLErrorQueue {
    static func clear() {
        ERR_clear_error()
    }

    static func drain() -> [OpenSSLError] {
        var errors: [OpenSSLError] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            let library = ERR_lib_error_string(code).map { String(cString: $0) } ?? "library \(ERR_GET_LIB(code))"
            let reason = ERR_reason_error_string(code).map { String(cString: $0) } ?? "reason \(ERR_GET_REASON(code))"
            errors.append(OpenSSLError(library: ERR_GET_LIB(code), reason: ERR_GET_REASON(code),
                                       text: "\(library): \(reason)"))
        }
        return errors
    }

    /// The queue as one line, or `fallback` when OpenSSL left nothing on it.
    static func drainedText(fallback: String) -> String {
        let errors = drain()
        return errors.isEmpty ? fallback : errors.map(\.text).joined(separator: "; ")
    }
}
