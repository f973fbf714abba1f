/// The SRTP protection profiles the bridge negotiates in the DTLS `use_srtp` extension (RFC 5764 section 4.1.2),
/// most preferred first. AES-GCM is preferred: it authenticates and encrypts in one pass and protects about twice as
/// many packets per second as AES-CM with HMAC-SHA1 here (see Sources/MediaSecurity/README.md).
public enum SRTPProtectionProfile: String, CaseIterable, Sendable {
    /// RFC 7714 section 14.2, profile 0x0007.
    case aeadAES128GCM = "SRTP_AEAD_AES_128_GCM"
    /// RFC 7714 section 14.2, profile 0x0008.
    case aeadAES256GCM = "SRTP_AEAD_AES_256_GCM"
    /// RFC 5764 section 4.1.2, profile 0x0001.
    case aes128CMHMACSHA1_80 = "SRTP_AES128_CM_SHA1_80"
    /// RFC 5764 section 4.1.2, profile 0x0002: a 32-bit SRTP tag (SRTCP keeps 80 bits).
    case aes128CMHMACSHA1_32 = "SRTP_AES128_CM_SHA1_32"

    /// The default preference: AES-GCM, then AES-CM with HMAC-SHA1 for endpoints without GCM.
    public static let preferred: [SRTPProtectionProfile] = [.aeadAES128GCM, .aeadAES256GCM,
                                                            .aes128CMHMACSHA1_80, .aes128CMHMACSHA1_32]

    /// The value registered for the profile in the use_srtp extension.
    public var identifier: UInt16 {
        switch self {
        case .aeadAES128GCM: 0x0007
        case .aeadAES256GCM: 0x0008
        case .aes128CMHMACSHA1_80: 0x0001
        case .aes128CMHMACSHA1_32: 0x0002
        }
    }

    public init?(identifier: UInt16) {
        guard let profile = Self.allCases.first(where: { $0.identifier == identifier }) else { return nil }
        self = profile
    }

    /// Master key length in bytes: AES-128 except for AEAD_AES_256_GCM.
    public var masterKeyLength: Int {
        switch self {
        case .aeadAES256GCM: 32
        case .aeadAES128GCM, .aes128CMHMACSHA1_80, .aes128CMHMACSHA1_32: 16
        }
    }

    /// Master salt length in bytes: 96 bits for GCM (RFC 7714 section 12), 112 bits for AES-CM (RFC 3711).
    public var masterSaltLength: Int {
        switch self {
        case .aeadAES128GCM, .aeadAES256GCM: 12
        case .aes128CMHMACSHA1_80, .aes128CMHMACSHA1_32: 14
        }
    }
}

/// One direction's SRTP master key and salt.
///
/// `description` never shows the bytes, so keys cannot reach a log by accident.
public struct SRTPMasterKey: Equatable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public let key: [UInt8]
    public let salt: [UInt8]

    public init(key: [UInt8], salt: [UInt8]) {
        self.key = key
        self.salt = salt
    }

    /// Key then salt, the layout libsrtp2's `srtp_policy_t.key` expects (the tests' reference implementation).
    public var keyAndSalt: [UInt8] { key + salt }

    public var description: String { "SRTPMasterKey(\(key.count)-byte key, \(salt.count)-byte salt, redacted)" }
    public var debugDescription: String { description }
}

/// SRTP keys derived from a DTLS handshake by the RFC 5705 exporter with the label `EXTRACTOR-dtls_srtp`.
public struct SRTPKeyingMaterial: Equatable, Sendable {
    public static let exporterLabel = "EXTRACTOR-dtls_srtp"

    public let profile: SRTPProtectionProfile
    /// Protects what the DTLS client sends.
    public let client: SRTPMasterKey
    /// Protects what the DTLS server sends.
    public let server: SRTPMasterKey

    /// The exporter output's length for a profile: two keys and two salts.
    static func exportLength(for profile: SRTPProtectionProfile) -> Int {
        2 * (profile.masterKeyLength + profile.masterSaltLength)
    }

    /// Splits exporter output laid out as RFC 5764 section 4.2 says:
    /// `client_write_SRTP_master_key | server_write_SRTP_master_key |
    ///  client_write_SRTP_master_salt | server_write_SRTP_master_salt`.
    init(profile: SRTPProtectionProfile, exported: [UInt8]) {
        precondition(exported.count == Self.exportLength(for: profile))
        let keyLength = profile.masterKeyLength
        let saltLength = profile.masterSaltLength
        var cursor = exported[...]
        func take(_ count: Int) -> [UInt8] {
            defer { cursor = cursor.dropFirst(count) }
            return Array(cursor.prefix(count))
        }
        let clientKey = take(keyLength)
        let serverKey = take(keyLength)
        let clientSalt = take(saltLength)
        let serverSalt = take(saltLength)
        self.profile = profile
        client = SRTPMasterKey(key: clientKey, salt: clientSalt)
        server = SRTPMasterKey(key: serverKey, salt: serverSalt)
    }

    /// The key this endpoint protects its outgoing SRTP with.
    public func outbound(for role: DTLSRole) -> SRTPMasterKey {
        role == .client ? client : server
    }

    /// The key this endpoint unprotects the peer's SRTP with.
    public func inbound(for role: DTLSRole) -> SRTPMasterKey {
        role == .client ? server : client
    }
}
