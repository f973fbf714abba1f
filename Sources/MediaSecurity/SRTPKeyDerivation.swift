import COpenSSL
import SecureTransport

/// The session keys one master key yields for one direction (RFC 3711 section 4.3), for SRTP and for SRTCP.
package struct SRTPSessionKeys {
    package struct Keys {
        /// k_e: the cipher key, as long as the master key.
        package var encryption: [UInt8]
        /// k_a: the HMAC-SHA1 key (empty for AEAD profiles).
        package var authentication: [UInt8]
        /// k_s: the session salt, as long as the master salt (14 bytes AES-CM, 12 bytes GCM).
        package var salt: [UInt8]

        mutating func wipe() {
            for index in encryption.indices { encryption[index] = 0 }
            for index in authentication.indices { authentication[index] = 0 }
            for index in salt.indices { salt[index] = 0 }
        }
    }

    package var rtp: Keys
    package var rtcp: Keys

    /// RFC 3711 section 4.3.1 labels.
    enum Label: UInt8 {
        case rtpEncryption = 0, rtpAuthentication = 1, rtpSalt = 2
        case rtcpEncryption = 3, rtcpAuthentication = 4, rtcpSalt = 5
    }

    package init(masterKey: SRTPMasterKey, profile: SRTPProtectionProfile) throws(SRTPError) {
        guard masterKey.key.count == profile.masterKeyLength, masterKey.salt.count == profile.masterSaltLength else {
            throw .invalidKey(profile: profile, keyLength: masterKey.key.count, saltLength: masterKey.salt.count)
        }
        let keyLength = profile.masterKeyLength
        let authLength = profile.sessionAuthenticationKeyLength
        let saltLength = profile.masterSaltLength
        func derive(_ label: Label, _ length: Int) throws(SRTPError) -> [UInt8] {
            try Self.pseudoRandom(masterKey: masterKey.key, masterSalt: masterKey.salt, label: label.rawValue,
                                  length: length)
        }
        rtp = Keys(encryption: try derive(.rtpEncryption, keyLength),
                   authentication: try derive(.rtpAuthentication, authLength),
                   salt: try derive(.rtpSalt, saltLength))
        rtcp = Keys(encryption: try derive(.rtcpEncryption, keyLength),
                    authentication: try derive(.rtcpAuthentication, authLength),
                    salt: try derive(.rtcpSalt, saltLength))
    }

    mutating func wipe() {
        rtp.wipe()
        rtcp.wipe()
    }

    /// RFC 3711 section 4.3.3, the AES-CM PRF with key_derivation_rate 0: `x = (label || 0^48) XOR master_salt`
    /// (the 56-bit key_id aligned right on the 112-bit salt), and the output is the AES-CM keystream of the master
    /// key from `x * 2^16`. A 96-bit GCM master salt is padded with zeros on the right to 112 bits first (RFC 7714
    /// section 11); a 256-bit master key uses AES-256 in counter mode (RFC 6188 section 7).
    static func pseudoRandom(masterKey: [UInt8], masterSalt: [UInt8], label: UInt8,
                             length: Int) throws(SRTPError) -> [UInt8] {
        guard length > 0 else { return [] }
        guard masterSalt.count <= 14, masterKey.count == 16 || masterKey.count == 32 else { throw .badParameter }
        var block = [UInt8](repeating: 0, count: 16)
        for index in masterSalt.indices { block[index] = masterSalt[index] }
        block[7] ^= label
        return try aesCounterModeKeystream(key: masterKey, initialCounterBlock: block, length: length)
    }

    /// Encrypts zeros with AES in counter mode from `initialCounterBlock`: the keystream itself.
    static func aesCounterModeKeystream(key: [UInt8], initialCounterBlock: [UInt8],
                                        length: Int) throws(SRTPError) -> [UInt8] {
        guard initialCounterBlock.count == 16, length >= 0, length <= Int(Int32.max) else { throw .badParameter }
        let cipher: OpaquePointer? = switch key.count {
        case 16: EVP_aes_128_ctr()
        case 32: EVP_aes_256_ctr()
        default: nil
        }
        guard let cipher, let context = EVP_CIPHER_CTX_new() else { throw .cipherFailure }
        defer { EVP_CIPHER_CTX_free(context) }
        guard EVP_EncryptInit_ex(context, cipher, nil, key, initialCounterBlock) == 1 else { throw .cipherFailure }
        var output = [UInt8](repeating: 0, count: length)
        var written: Int32 = 0
        let status = output.withUnsafeMutableBufferPointer { bytes in
            EVP_EncryptUpdate(context, bytes.baseAddress, &written, bytes.baseAddress, Int32(length))
        }
        guard status == 1, Int(written) == length else { throw .cipherFailure }
        return output
    }
}
