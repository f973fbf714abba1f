import COpenSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The bridge's identity: an X.509 certificate (plus any intermediates) and its private key.
///
/// One `Certificate` serves SIP over TLS and every DTLS session; its SHA-256 fingerprint goes into each SDP
/// answer. Generated as ECDSA P-256 on first run, or loaded from PEM files named in the configuration.
///
/// Sendable because it is immutable after creation: OpenSSL's `X509` and `EVP_PKEY` are reference counted and
/// safe to read (and to hand to any number of `SSL_CTX`) from several threads at once.
public final class Certificate: @unchecked Sendable {
    /// `X509 *`, owned.
    let x509: OpaquePointer
    /// `EVP_PKEY *`, owned.
    let privateKey: OpaquePointer
    /// `X509 *` intermediates sent after the leaf, owned.
    let chain: [OpaquePointer]

    /// Takes ownership of the three.
    private init(x509: OpaquePointer, privateKey: OpaquePointer, chain: [OpaquePointer]) {
        self.x509 = x509
        self.privateKey = privateKey
        self.chain = chain
    }

    deinit {
        X509_free(x509)
        EVP_PKEY_free(privateKey)
        chain.forEach { X509_free($0) }
    }

    // MARK: Generation

    /// Generates an ECDSA P-256 key and a self-signed certificate for it.
    ///
    /// The serial is 128 random bits (RFC 5280 section 4.1.2.2 allows up to 20 octets, positive); validity starts
    /// one day before `now` so that a peer whose clock runs slow still accepts it, and lasts `validityDays` after.
    /// `subjectAlternativeNames` are DNS names or IP literals, for TLS clients that check the host name.
    public static func generateSelfSigned(
        commonName: String,
        subjectAlternativeNames: [String] = [],
        validityDays: Int = 365,
        now: Date = Date()
    ) throws(CertificateError) -> Certificate {
        OpenSSLErrorQueue.clear()
        guard validityDays > 0 else { throw .generationFailed(reason: "validity must be at least one day") }
        let key = try generateP256Key()
        guard let x509 = X509_new() else {
            EVP_PKEY_free(key)
            throw .generationFailed(reason: OpenSSLErrorQueue.drainedText(fallback: "X509_new failed"))
        }
        let certificate = Certificate(x509: x509, privateKey: key, chain: [])
        try certificate.fillSelfSigned(commonName: commonName, subjectAlternativeNames: subjectAlternativeNames,
                                       validityDays: validityDays, now: now)
        return certificate
    }

    private static func generateP256Key() throws(CertificateError) -> OpaquePointer {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
            throw .generationFailed(reason: OpenSSLErrorQueue.drainedText(fallback: "no EC key support"))
        }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1,
              EVP_PKEY_CTX_set_group_name(context, "P-256") == 1,
              EVP_PKEY_generate(context, &key) == 1, let key else {
            throw .generationFailed(reason: OpenSSLErrorQueue.drainedText(fallback: "P-256 key generation failed"))
        }
        return key
    }

    private func fillSelfSigned(commonName: String, subjectAlternativeNames: [String], validityDays: Int,
                                now: Date) throws(CertificateError) {
        func check(_ ok: Bool, _ step: String) throws(CertificateError) {
            if !ok { throw .generationFailed(reason: OpenSSLErrorQueue.drainedText(fallback: "\(step) failed")) }
        }
        try check(X509_set_version(x509, 2) == 1, "X509_set_version")  // 2 means v3

        var serial = [UInt8](repeating: 0, count: 16)
        try check(RAND_bytes(&serial, Int32(serial.count)) == 1, "RAND_bytes")
        serial[0] = (serial[0] & 0x7F) | 0x40  // positive, and exactly 16 octets long
        guard let number = BN_bin2bn(serial, Int32(serial.count), nil) else {
            try check(false, "BN_bin2bn")
            return
        }
        defer { BN_free(number) }
        try check(BN_to_ASN1_INTEGER(number, X509_get_serialNumber(x509)) != nil, "serial number")

        let issued = time_t(now.timeIntervalSince1970)
        let oneDay = time_t(86_400)
        try check(ASN1_TIME_set(X509_getm_notBefore(x509), issued - oneDay) != nil, "notBefore")
        try check(ASN1_TIME_set(X509_getm_notAfter(x509), issued + oneDay * time_t(validityDays)) != nil, "notAfter")

        guard let name = X509_get_subject_name(x509) else { try check(false, "subject"); return }
        try check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, commonName, -1, -1, 0) == 1,
                  "common name")
        try check(X509_set_issuer_name(x509, name) == 1, "issuer")
        try check(X509_set_pubkey(x509, privateKey) == 1, "public key")

        var extensions: [(Int32, String)] = [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, "serverAuth,clientAuth"),
            (NID_subject_key_identifier, "hash"),
        ]
        if !subjectAlternativeNames.isEmpty {
            let names = subjectAlternativeNames.map { Self.isIPLiteral($0) ? "IP:\($0)" : "DNS:\($0)" }
            extensions.append((NID_subject_alt_name, names.joined(separator: ",")))
        }
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, x509, x509, nil, nil, 0)
        for (nid, value) in extensions {
            guard let extensionValue = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                try check(false, "extension \(value)")
                return
            }
            let added = X509_add_ext(x509, extensionValue, -1)
            X509_EXTENSION_free(extensionValue)
            try check(added == 1, "X509_add_ext")
        }
        try check(X509_sign(x509, privateKey, EVP_sha256()) > 0, "X509_sign")
    }

    private static func isIPLiteral(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    // MARK: PEM

    /// Parses a certificate (optionally followed by its intermediates) and a private key, both PEM.
    /// Encrypted keys are refused rather than prompting for a passphrase on the terminal.
    public static func fromPEM(certificate certificatePEM: String,
                               privateKey privateKeyPEM: String) throws(CertificateError) -> Certificate {
        OpenSSLErrorQueue.clear()
        let certificates = try readCertificates(pem: Array(certificatePEM.utf8))
        let key: OpaquePointer
        do {
            key = try readPrivateKey(pem: Array(privateKeyPEM.utf8))
        } catch {
            certificates.forEach { X509_free($0) }
            throw error
        }
        let result = Certificate(x509: certificates[0], privateKey: key, chain: Array(certificates.dropFirst()))
        guard X509_check_private_key(result.x509, result.privateKey) == 1 else {
            OpenSSLErrorQueue.clear()
            throw .keyDoesNotMatchCertificate
        }
        return result
    }

    private static func readCertificates(pem: [UInt8]) throws(CertificateError) -> [OpaquePointer] {
        let certificates: [OpaquePointer] = withMemoryBIO(pem) { bio in
            var found: [OpaquePointer] = []
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                found.append(certificate)
            }
            return found
        }
        // The read that ends the loop leaves "no start line" on the queue; it is not an error after a success.
        let leftover = OpenSSLErrorQueue.drainedText(fallback: "no certificate found")
        guard !certificates.isEmpty else { throw .invalidPEM(reason: leftover) }
        return certificates
    }

    private static func readPrivateKey(pem: [UInt8]) throws(CertificateError) -> OpaquePointer {
        let key = withMemoryBIO(pem) { bio in
            // A callback that supplies no passphrase: the default one would prompt on the controlling terminal.
            PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let key else {
            throw .invalidPEM(reason: OpenSSLErrorQueue.drainedText(fallback: "no private key found"))
        }
        return key
    }

    private static func withMemoryBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) -> T) -> T {
        bytes.withUnsafeBytes { buffer in
            let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count))!
            defer { BIO_free(bio) }
            return body(bio)
        }
    }

    /// The leaf certificate followed by any intermediates, PEM.
    public var certificatePEM: String {
        let bio = BIO_new(BIO_s_mem())!
        defer { BIO_free(bio) }
        for certificate in [x509] + chain {
            PEM_write_bio_X509(bio, certificate)
        }
        return String(decoding: MemoryBIO.readAll(bio), as: UTF8.self)
    }

    /// The private key as unencrypted PKCS#8 PEM. Handle with care: whoever has it can be the bridge.
    public func privateKeyPEM() -> String {
        let bio = BIO_new(BIO_s_mem())!
        defer { BIO_free(bio) }
        PEM_write_bio_PrivateKey(bio, privateKey, nil, nil, 0, nil, nil)
        return String(decoding: MemoryBIO.readAll(bio), as: UTF8.self)
    }

    // MARK: Files

    /// Reads a certificate file (leaf first, then intermediates) and a key file, both PEM.
    public static func load(certificateFile: String, privateKeyFile: String) throws(CertificateError) -> Certificate {
        let certificate = try PEMFile.readText(certificateFile)
        let key = try PEMFile.readText(privateKeyFile)
        return try fromPEM(certificate: certificate, privateKey: key)
    }

    /// Writes both files atomically (temporary file, then rename); the key file gets mode 0600, the certificate
    /// file 0644.
    public func save(certificateFile: String, privateKeyFile: String) throws(CertificateError) {
        try PEMFile.writeText(privateKeyPEM(), to: privateKeyFile, mode: 0o600)
        try PEMFile.writeText(certificatePEM, to: certificateFile, mode: 0o644)
    }

    /// Loads the pair when both files exist; generates and saves a self-signed pair when neither does (the
    /// bridge's first run). One file without the other is an error: it is never overwritten.
    public static func loadOrGenerate(
        certificateFile: String,
        privateKeyFile: String,
        commonName: String,
        subjectAlternativeNames: [String] = []
    ) throws(CertificateError) -> (certificate: Certificate, generated: Bool) {
        switch (PEMFile.exists(certificateFile), PEMFile.exists(privateKeyFile)) {
        case (true, true):
            return (try load(certificateFile: certificateFile, privateKeyFile: privateKeyFile), false)
        case (false, false):
            let certificate = try generateSelfSigned(commonName: commonName,
                                                     subjectAlternativeNames: subjectAlternativeNames)
            try certificate.save(certificateFile: certificateFile, privateKeyFile: privateKeyFile)
            return (certificate, true)
        case (true, false):
            throw .incompletePair(missing: privateKeyFile)
        case (false, true):
            throw .incompletePair(missing: certificateFile)
        }
    }

    // MARK: Fields

    /// The leaf certificate, DER.
    public var derEncoded: [UInt8] { X509Reading.derEncoding(x509) }

    /// The leaf's fingerprint, for SDP `a=fingerprint` (RFC 8122): `fingerprint().sdpValue` is
    /// `sha-256 4A:AD:...`.
    public func fingerprint(_ algorithm: FingerprintAlgorithm = .sha256) -> CertificateFingerprint {
        CertificateFingerprint(derCertificate: derEncoded, algorithm: algorithm)
    }

    /// RFC 2253 form: `CN=bridge.example`.
    public var subject: String { X509Reading.subject(x509) }
    public var commonName: String? { X509Reading.commonName(x509) }
    public var notBefore: Date? { X509Reading.date(X509_get0_notBefore(x509)) }
    public var notAfter: Date? { X509Reading.date(X509_get0_notAfter(x509)) }
}

/// Reading and atomically writing small PEM files with POSIX calls, so that the key's mode is set on creation
/// and never widened by a umask or an existing file.
enum PEMFile {
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func readText(_ path: String) throws(CertificateError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadableFile(path: path, reason: errnoText()) }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadableFile(path: path, reason: errnoText())
            }
            if count == 0 { break }
            contents.append(contentsOf: chunk.prefix(count))
            // A PEM identity is a few kilobytes; anything this large is not one.
            guard contents.count <= 1 << 20 else { throw .unreadableFile(path: path, reason: "larger than 1 MiB") }
        }
        return String(decoding: contents, as: UTF8.self)
    }

    static func writeText(_ text: String, to path: String, mode: mode_t) throws(CertificateError) {
        var random = [UInt8](repeating: 0, count: 6)
        _ = RAND_bytes(&random, Int32(random.count))
        let temporary = path + ".tmp-" + random.map { String($0, radix: 16) }.joined()
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .writeFailed(path: path, reason: errnoText()) }
        var failure: String?
        if fchmod(descriptor, mode) != 0 { failure = errnoText() }
        let bytes = Array(text.utf8)
        var written = 0
        while failure == nil && written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                failure = errnoText()
            } else {
                written += count
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = errnoText() }
        if close(descriptor) != 0 && failure == nil { failure = errnoText() }
        if failure == nil && rename(temporary, path) != 0 { failure = errnoText() }
        if let failure {
            unlink(temporary)
            throw .writeFailed(path: path, reason: failure)
        }
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
