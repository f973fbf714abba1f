import Foundation
import SecureTransport
import Testing

@Suite struct CertificateTests {
    /// A generated identity names its common name and is valid from one day before `now` for the requested days.
    @Test func generatedCertificateCarriesNameAndValidity() throws {
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        let certificate = try Certificate.generateSelfSigned(commonName: "bridge.example", validityDays: 30, now: now)
        #expect(certificate.commonName == "bridge.example")
        #expect(certificate.subject == "CN=bridge.example")
        #expect(certificate.notBefore == now.addingTimeInterval(-86_400))
        #expect(certificate.notAfter == now.addingTimeInterval(30 * 86_400))
    }

    /// `openssl x509 -text` reads a generated certificate as self-signed ECDSA P-256 with SHA-256, CA:FALSE and its SANs.
    @Test func generatedCertificateIsECDSAP256AsOpenSSLSeesIt() throws {
        let certificate = try Certificate.generateSelfSigned(commonName: "bridge.example",
                                                             subjectAlternativeNames: ["bridge.example", "192.0.2.7"])
        let (status, text, _) = try OpenSSLTool.run(["x509", "-noout", "-text"], input: certificate.certificatePEM)
        #expect(status == 0)
        #expect(text.contains("id-ecPublicKey"))
        #expect(text.contains("prime256v1"))
        #expect(text.contains("ecdsa-with-SHA256"))
        #expect(text.contains("CA:FALSE"))
        #expect(text.contains("DNS:bridge.example"))
        #expect(text.contains("IP Address:192.0.2.7"))
        #expect(text.contains("Issuer: CN = bridge.example"))
        #expect(text.contains("Subject: CN = bridge.example"))
    }

    /// Two generated certificates get different random serial numbers and keys.
    @Test func generatedCertificatesDiffer() throws {
        let first = try Certificate.forTests()
        let second = try Certificate.forTests()
        #expect(first.fingerprint() != second.fingerprint())
        let serials = try [first, second].map { certificate in
            try OpenSSLTool.run(["x509", "-noout", "-serial"], input: certificate.certificatePEM).1
        }
        #expect(serials[0] != serials[1])
    }

    /// PEM text written by the certificate parses back to the same certificate and a matching key.
    @Test func pemRoundTrip() throws {
        let original = try Certificate.forTests()
        let parsed = try Certificate.fromPEM(certificate: original.certificatePEM, privateKey: original.privateKeyPEM())
        #expect(parsed.derEncoded == original.derEncoded)
        #expect(parsed.privateKeyPEM() == original.privateKeyPEM())
        #expect(original.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(original.privateKeyPEM().hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    /// Saving writes the key file with mode 0600, and loading the two files yields the same identity.
    @Test func saveThenLoadFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let original = try Certificate.forTests()
        try original.save(certificateFile: directory.file("bridge.crt"), privateKeyFile: directory.file("bridge.key"))
        let keyMode = try FileManager.default.attributesOfItem(atPath: directory.file("bridge.key"))[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        let loaded = try Certificate.load(certificateFile: directory.file("bridge.crt"),
                                          privateKeyFile: directory.file("bridge.key"))
        #expect(loaded.fingerprint() == original.fingerprint())
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["bridge.crt", "bridge.key"])
    }

    /// `loadOrGenerate` creates a pair on first run and loads that same pair on the next.
    @Test func loadOrGenerateCreatesThenReuses() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try Certificate.loadOrGenerate(certificateFile: directory.file("c.pem"),
                                                   privateKeyFile: directory.file("k.pem"), commonName: "bridge")
        let second = try Certificate.loadOrGenerate(certificateFile: directory.file("c.pem"),
                                                    privateKeyFile: directory.file("k.pem"), commonName: "bridge")
        #expect(first.generated)
        #expect(!second.generated)
        #expect(first.certificate.fingerprint() == second.certificate.fingerprint())
    }

    /// `loadOrGenerate` refuses to guess when only the certificate file exists.
    @Test func loadOrGenerateRefusesHalfAPair() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Certificate.forTests().save(certificateFile: directory.file("c.pem"), privateKeyFile: directory.file("k.pem"))
        try FileManager.default.removeItem(atPath: directory.file("k.pem"))
        #expect(throws: CertificateError.incompletePair(missing: directory.file("k.pem"))) {
            try Certificate.loadOrGenerate(certificateFile: directory.file("c.pem"),
                                           privateKeyFile: directory.file("k.pem"), commonName: "bridge")
        }
    }

    /// A private key that belongs to another certificate is refused.
    @Test func mismatchedKeyIsRefused() throws {
        let one = try Certificate.forTests()
        let other = try Certificate.forTests()
        #expect(throws: CertificateError.keyDoesNotMatchCertificate) {
            try Certificate.fromPEM(certificate: one.certificatePEM, privateKey: other.privateKeyPEM())
        }
    }

    /// Text without PEM blocks, and a missing file, are reported as such.
    @Test func unreadableInputIsReported() throws {
        #expect(throws: CertificateError.self) {
            try Certificate.fromPEM(certificate: "not a certificate", privateKey: "nor a key")
        }
        do {
            _ = try Certificate.load(certificateFile: "/nonexistent/c.pem", privateKeyFile: "/nonexistent/k.pem")
            Issue.record("loading a missing file succeeded")
        } catch {
            guard case .unreadableFile(let path, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(path == "/nonexistent/c.pem")
        }
    }

    /// A certificate file and key made by `openssl req` (SEC1 "EC PRIVATE KEY") load and keep their fingerprint.
    @Test func loadsPairMadeByOpenSSL() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (status, _, errors) = try OpenSSLTool.run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", directory.file("k.pem"), "-out", directory.file("c.pem"), "-subj", "/CN=peer", "-days", "2",
        ])
        #expect(status == 0, "\(errors)")
        let certificate = try Certificate.load(certificateFile: directory.file("c.pem"), privateKeyFile: directory.file("k.pem"))
        #expect(certificate.commonName == "peer")
        let (_, printed, _) = try OpenSSLTool.run(["x509", "-noout", "-fingerprint", "-sha256", "-in", directory.file("c.pem")])
        #expect(printed.contains(certificate.fingerprint(.sha256).hexDigest))
    }

    /// The fingerprint in SDP form equals what `openssl x509 -fingerprint` prints, for every supported hash.
    @Test(arguments: FingerprintAlgorithm.allCases)
    func fingerprintMatchesOpenSSLTool(algorithm: FingerprintAlgorithm) throws {
        let certificate = try Certificate.forTests()
        let option = "-" + algorithm.rawValue.replacingOccurrences(of: "-", with: "")
        let (status, printed, _) = try OpenSSLTool.run(["x509", "-noout", "-fingerprint", option],
                                                      input: certificate.certificatePEM)
        #expect(status == 0)
        let hex = printed.split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(hex == certificate.fingerprint(algorithm).hexDigest)
        #expect(certificate.fingerprint(algorithm).sdpValue == "\(algorithm.rawValue) \(hex ?? "")")
    }
}
