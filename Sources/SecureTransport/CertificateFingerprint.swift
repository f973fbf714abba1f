import COpenSSL

/// A hash function an SDP `a=fingerprint` may name (RFC 8122 section 5, IANA "Hash Function Textual Names").
///
/// MD2 and MD5 are in that registry too but RFC 8122 forbids them for new certificates; an offer using only them
/// cannot be checked and must be refused by the caller.
public enum FingerprintAlgorithm: String, CaseIterable, Hashable, Sendable {
    case sha1 = "sha-1"
    case sha224 = "sha-224"
    case sha256 = "sha-256"
    case sha384 = "sha-384"
    case sha512 = "sha-512"

    /// Parses the textual name; hash function names are case-insensitive (RFC 8122 section 5).
    public init?(textualName: String) {
        self.init(rawValue: textualName.lowercased())
    }

    public var digestLength: Int {
        switch self {
        case .sha1: 20
        case .sha224: 28
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    var messageDigest: OpaquePointer {
        switch self {
        case .sha1: EVP_sha1()
        case .sha224: EVP_sha224()
        case .sha256: EVP_sha256()
        case .sha384: EVP_sha384()
        case .sha512: EVP_sha512()
        }
    }
}

/// The digest of a certificate's DER encoding, as carried by SDP `a=fingerprint` (RFC 8122 section 5).
///
/// Written in the RFC's form, the hash name then uppercase hex pairs joined by colons:
/// `sha-256 4A:AD:B9:...`. Read liberally (any case).
public struct CertificateFingerprint: Hashable, Sendable, CustomStringConvertible {
    public let algorithm: FingerprintAlgorithm
    public let digest: [UInt8]

    /// Nil when the digest's length is not the algorithm's.
    public init?(algorithm: FingerprintAlgorithm, digest: [UInt8]) {
        guard digest.count == algorithm.digestLength else { return nil }
        self.algorithm = algorithm
        self.digest = digest
    }

    /// Parses an `a=fingerprint` value such as `sha-256 4A:AD:...`; nil for an unknown hash, malformed hex,
    /// or a digest of the wrong length.
    public init?(sdpValue: some StringProtocol) {
        let fields = sdpValue.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 2, let algorithm = FingerprintAlgorithm(textualName: String(fields[0])) else {
            return nil
        }
        var digest: [UInt8] = []
        for pair in fields[1].split(separator: ":", omittingEmptySubsequences: false) {
            guard pair.count == 2, let byte = UInt8(pair, radix: 16) else { return nil }
            digest.append(byte)
        }
        self.init(algorithm: algorithm, digest: digest)
    }

    /// Hashes a DER-encoded certificate. The fingerprint is defined over the DER bytes exactly as sent.
    public init(derCertificate: some Collection<UInt8>, algorithm: FingerprintAlgorithm) {
        let bytes = Array(derCertificate)
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let status = bytes.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, algorithm.messageDigest, nil)
        }
        // EVP_Digest over a built-in hash fails only when memory runs out.
        precondition(status == 1, "EVP_Digest failed for \(algorithm.rawValue)")
        self.algorithm = algorithm
        self.digest = Array(digest.prefix(Int(length)))
    }

    /// Uppercase hex pairs joined by colons, as RFC 8122's grammar writes them (`UHEX`).
    public var hexDigest: String {
        let digits = Array("0123456789ABCDEF".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(digest.count * 3)
        for (index, byte) in digest.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ":")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The `a=fingerprint` attribute value: `sha-256 4A:AD:...`.
    public var sdpValue: String {
        "\(algorithm.rawValue) \(hexDigest)"
    }

    public var description: String { sdpValue }

    /// Whether `derCertificate` hashes, under this fingerprint's algorithm, to this digest.
    public func matches(derCertificate: some Collection<UInt8>) -> Bool {
        CertificateFingerprint(derCertificate: derCertificate, algorithm: algorithm) == self
    }
}

extension Collection<CertificateFingerprint> {
    /// RFC 8842 section 5: the certificate is accepted when it matches any of the announced fingerprints; each is
    /// computed with the hash function the peer chose.
    func firstMatch(derCertificate: [UInt8]) -> CertificateFingerprint? {
        first { $0.matches(derCertificate: derCertificate) }
    }

    /// The certificate's digest under each algorithm used here, for reporting a mismatch.
    func presentedDigests(derCertificate: [UInt8]) -> [CertificateFingerprint] {
        var seen: Set<FingerprintAlgorithm> = []
        return compactMap { expected in
            guard seen.insert(expected.algorithm).inserted else { return nil }
            return CertificateFingerprint(derCertificate: derCertificate, algorithm: expected.algorithm)
        }
    }
}
