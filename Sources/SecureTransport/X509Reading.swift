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

/// Reads fields out of a borrowed `X509 *` into Swift values; nothing here keeps the pointer.
enum X509Reading {
    static func derEncoding(_ certificate: OpaquePointer) -> [UInt8] {
        let length = i2d_X509(certificate, nil)
        guard length > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: Int(length)) { buffer, count in
            var cursor = buffer.baseAddress
            count = Int(i2d_X509(certificate, &cursor))
        }
    }

    /// The subject in RFC 2253 form, most specific first: `CN=alice,O=Example`.
    static func subject(_ certificate: OpaquePointer) -> String {
        guard let name = X509_get_subject_name(certificate), let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, clue_xn_flag_rfc2253()) >= 0 else { return "" }
        return String(decoding: MemoryBIO.readAll(bio), as: UTF8.self)
    }

    static func commonName(_ certificate: OpaquePointer) -> String? {
        guard let name = X509_get_subject_name(certificate) else { return nil }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index),
              let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else { return nil }
        defer { clue_openssl_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    static func parseDER(_ der: [UInt8]) -> OpaquePointer? {
        der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
    }
}

/// Reads what OpenSSL wrote into a memory BIO.
enum MemoryBIO {
    static func readAll(_ bio: OpaquePointer) -> [UInt8] {
        let pending = Int(BIO_ctrl_pending(bio))
        guard pending > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: pending) { buffer, count in
            let read = BIO_read(bio, buffer.baseAddress, Int32(pending))
            count = max(0, Int(read))
        }
    }
}

/// The certificate a TLS or DTLS peer presented, copied out of OpenSSL.
///
/// The bridge authorizes TLS clients by it (fingerprint or subject) and logs it; DTLS sessions have already
/// checked it against the SDP fingerprint before reporting it.
public struct PeerCertificate: Hashable, Sendable {
    public let derEncoded: [UInt8]
    /// RFC 2253 form: `CN=alice,O=Example`.
    public let subject: String
    public let commonName: String?

    /// Parses a DER-encoded certificate.
    public init(derEncoded: [UInt8]) throws(CertificateError) {
        guard let certificate = X509Reading.parseDER(derEncoded) else {
            throw CertificateError.invalidDER(reason: OpenSSLErrorQueue.drainedText(fallback: "not an X.509 certificate"))
        }
        defer { X509_free(certificate) }
        self.init(borrowing: certificate)
    }

    init(borrowing certificate: OpaquePointer) {
        derEncoded = X509Reading.derEncoding(certificate)
        subject = X509Reading.subject(certificate)
        commonName = X509Reading.commonName(certificate)
    }

    public func fingerprint(_ algorithm: FingerprintAlgorithm = .sha256) -> CertificateFingerprint {
        CertificateFingerprint(derCertificate: derEncoded, algorithm: algorithm)
    }
}
