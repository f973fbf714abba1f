import SecureTransport
import Testing

@Suite struct FingerprintTests {
    /// The SDP form is the hash name, one space, then uppercase hex pairs joined by colons (RFC 8122 section 5).
    @Test func sdpValueFormat() throws {
        let fingerprint = try #require(CertificateFingerprint(algorithm: .sha256, digest: Array(0..<32).map { UInt8($0 * 7) }))
        #expect(fingerprint.sdpValue == "sha-256 00:07:0E:15:1C:23:2A:31:38:3F:46:4D:54:5B:62:69:70:77:7E:85:8C:93:9A:A1:A8:AF:B6:BD:C4:CB:D2:D9")
        #expect(fingerprint.description == fingerprint.sdpValue)
    }

    /// The generated certificate's SHA-256 fingerprint has 32 uppercase hex pairs.
    @Test func certificateFingerprintShape() throws {
        let value = try Certificate.forTests().fingerprint().sdpValue
        #expect(value.hasPrefix("sha-256 "))
        let pairs = value.dropFirst("sha-256 ".count).split(separator: ":")
        #expect(pairs.count == 32)
        #expect(pairs.allSatisfy { $0.count == 2 && $0.allSatisfy { "0123456789ABCDEF".contains($0) } })
    }

    /// Parsing accepts any case of the hash name and hex, and gives back the same fingerprint.
    @Test func parsingIsCaseInsensitive() throws {
        let fingerprint = try Certificate.forTests().fingerprint(.sha1)
        let lower = CertificateFingerprint(sdpValue: fingerprint.sdpValue.lowercased())
        let upper = CertificateFingerprint(sdpValue: fingerprint.sdpValue.uppercased())
        #expect(lower == fingerprint)
        #expect(upper == fingerprint)
    }

    /// Unknown hashes, wrong digest lengths and malformed hex are refused.
    @Test(arguments: [
        "md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
        "sha-256 00:11",
        "sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:3",
        "sha-1 0011:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33",
        "sha-1 ZZ:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33",
        "sha-256",
        "",
    ])
    func malformedValuesAreRefused(value: String) {
        #expect(CertificateFingerprint(sdpValue: value) == nil)
    }

    /// A fingerprint of a DER certificate equals the certificate's own, for every hash, and matches only it.
    @Test(arguments: FingerprintAlgorithm.allCases)
    func derFingerprintAgreesWithCertificate(algorithm: FingerprintAlgorithm) throws {
        let certificate = try Certificate.forTests()
        let other = try Certificate.forTests()
        let fingerprint = CertificateFingerprint(derCertificate: certificate.derEncoded, algorithm: algorithm)
        #expect(fingerprint == certificate.fingerprint(algorithm))
        #expect(fingerprint.digest.count == algorithm.digestLength)
        #expect(fingerprint.matches(derCertificate: certificate.derEncoded))
        #expect(!fingerprint.matches(derCertificate: other.derEncoded))
        #expect(try PeerCertificate(derEncoded: certificate.derEncoded).fingerprint(algorithm) == fingerprint)
    }

    /// A peer certificate parsed from DER exposes its subject and common name.
    @Test func peerCertificateFields() throws {
        let certificate = try Certificate.generateSelfSigned(commonName: "alice")
        let peer = try PeerCertificate(derEncoded: certificate.derEncoded)
        #expect(peer.subject == "CN=alice")
        #expect(peer.commonName == "alice")
        #expect(throws: CertificateError.self) { try PeerCertificate(derEncoded: [0x30, 0x03, 0x01, 0x02]) }
    }
}
