import CSRTP

/// Direct access to libsrtp2's AES-CM-128 cipher, so that tests can check the keystream against RFC 3711
/// appendix B.2 independently of key derivation and packet processing.
package enum SRTPKnownAnswer {
    /// The AES counter-mode keystream for a 16-byte session key and 14-byte session salt, with the IV
    /// (SSRC and packet index, RFC 3711 section 4.1.1) all zero: the counter starts at `salt || 0x0000`.
    package static func aesCounterModeKeystream(sessionKey: [UInt8], sessionSalt: [UInt8],
                                                length: Int) throws(SRTPError) -> [UInt8] {
        try SRTPLibrary.ensureInitialized()
        guard sessionKey.count == 16, sessionSalt.count == 14, length >= 0, length <= Int(Int32.max) else {
            throw .badParameter
        }
        var cipher: UnsafeMutablePointer<srtp_cipher_t>?
        if let error = SRTPError(srtp_cipher_type_alloc(clue_srtp_aes_icm_128(), &cipher,
                                                        Int32(sessionKey.count + sessionSalt.count), 0)) {
            throw error
        }
        guard let cipher else { throw .library(status: Int(srtp_err_status_alloc_fail.rawValue)) }
        defer { srtp_cipher_dealloc(cipher) }
        var keyAndSalt = sessionKey + sessionSalt
        if let error = SRTPError(srtp_cipher_init(cipher, &keyAndSalt)) { throw error }
        var iv = [UInt8](repeating: 0, count: 16)
        if let error = SRTPError(srtp_cipher_set_iv(cipher, &iv, Int32(srtp_direction_encrypt.rawValue))) {
            throw error
        }
        // Encrypting zeros yields the keystream itself.
        var output = [UInt8](repeating: 0, count: length)
        var octets = UInt32(length)
        if let error = SRTPError(srtp_cipher_encrypt(cipher, &output, &octets)) { throw error }
        return output
    }
}
