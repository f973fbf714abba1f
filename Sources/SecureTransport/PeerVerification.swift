import COpenSSL

/// What a session expects of the peer's certificate, reachable from OpenSSL's verify callback through the `SSL`'s
/// ex_data slot. Owned by the session; the slot holds an unretained pointer that lives exactly as long as the
/// `SSL` (the session frees the `SSL` in its deinit, before its stored properties go).
final class PeerVerification {
    /// Empty: any certificate is accepted (and exposed to the caller, who authorizes it).
    let expectedFingerprints: [CertificateFingerprint]
    /// Set by the verify callback when the certificate matched none of `expectedFingerprints`.
    var failure: SessionFailure?

    init(expectedFingerprints: [CertificateFingerprint]) {
        self.expectedFingerprints = expectedFingerprints
    }

    /// One ex_data index for the whole process, allocated on first use.
    static let exDataIndex: Int32 = clue_ssl_get_ex_new_index()

    func attach(to ssl: OpaquePointer) -> Bool {
        SSL_set_ex_data(ssl, Self.exDataIndex, Unmanaged.passUnretained(self).toOpaque()) == 1
    }

    static func of(_ ssl: OpaquePointer) -> PeerVerification? {
        guard let pointer = SSL_get_ex_data(ssl, exDataIndex) else { return nil }
        return Unmanaged<PeerVerification>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Checks a leaf certificate; records and returns the failure when it matches nothing expected.
    func check(derCertificate: [UInt8]) -> SessionFailure? {
        guard !expectedFingerprints.isEmpty else { return nil }
        if expectedFingerprints.firstMatch(derCertificate: derCertificate) != nil { return nil }
        let mismatch = SessionFailure.fingerprintMismatch(
            expected: expectedFingerprints,
            presented: expectedFingerprints.presentedDigests(derCertificate: derCertificate))
        failure = mismatch
        return mismatch
    }
}

/// The verify callback for fingerprint-authenticated peers (DTLS-SRTP, pinned TLS) and for TLS client
/// certificates that the bridge authorizes itself.
///
/// Chain errors are ignored: the peer's certificate is normally self-signed, and what authenticates it is the
/// fingerprint carried in the (digest-authenticated) SDP, RFC 8122 section 5 and RFC 8842 section 5. The leaf is
/// checked here, during the handshake, so a mismatch aborts it with a `bad_certificate` alert before any key
/// exists.
func verifyPeerByFingerprint(_ preverified: Int32, _ store: OpaquePointer?) -> Int32 {
    guard let store else { return 0 }
    guard X509_STORE_CTX_get_error_depth(store) == 0 else { return 1 }
    guard let rawSSL = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
          let verification = PeerVerification.of(OpaquePointer(rawSSL)),
          let certificate = X509_STORE_CTX_get_current_cert(store) else { return 0 }
    if verification.check(derCertificate: X509Reading.derEncoding(certificate)) != nil {
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED)
        return 0
    }
    return 1
}
