import CSRTP
import SecureTransport

/// The pieces of SRTP that the RFCs give known-answer vectors for, reachable from the tests: key derivation (RFC
/// 3711 appendix B.3), the AES-CM keystream (appendix B.2) and packets protected with given session keys (RFC 7714
/// sections 16 and 17), each through the same code `SRTPSender` and `SRTPReceiver` run; plus libsrtp2's AES-CM as a
/// second opinion.
package enum SRTPKnownAnswer {
    /// One derived session key set (RFC 3711 section 4.3).
    package struct SessionKeys: Equatable {
        package var encryption: [UInt8]
        package var authentication: [UInt8]
        package var salt: [UInt8]
    }

    /// The SRTP and SRTCP session keys a master key and salt yield for `profile`.
    package static func deriveSessionKeys(profile: SRTPProtectionProfile,
                                          master: SRTPMasterKey) throws(SRTPError) -> (rtp: SessionKeys, rtcp: SessionKeys) {
        let keys = try SRTPSessionKeys(masterKey: master, profile: profile)
        func convert(_ keys: SRTPSessionKeys.Keys) -> SessionKeys {
            SessionKeys(encryption: keys.encryption, authentication: keys.authentication, salt: keys.salt)
        }
        return (convert(keys.rtp), convert(keys.rtcp))
    }

    /// The AES counter-mode keystream for a 16-byte session key and 14-byte session salt, with the IV's SSRC and
    /// packet index (RFC 3711 section 4.1.1) zero: the counter starts at `salt || 0x0000`. Taken from the payload
    /// of an all-zero RTP packet with SSRC 0 and sequence number 0 that `SRTPSender`'s cipher encrypts.
    package static func aesCounterModeKeystream(sessionKey: [UInt8], sessionSalt: [UInt8], length: Int,
                                                implementation: SRTPCipherImplementation = .preferred)
        throws(SRTPError) -> [UInt8] {
        guard sessionKey.count == 16, sessionSalt.count == 14, length >= 0 else { throw .badParameter }
        let keys = SRTPSessionKeys.Keys(encryption: sessionKey, authentication: [UInt8](repeating: 0, count: 20),
                                        salt: sessionSalt)
        let cipher = try SRTPPacketCipher(profile: .aes128CMHMACSHA1_80, keys: keys, rtcp: false,
                                          implementation: implementation)
        let zeros = [UInt8](repeating: 0, count: minimumRTPLength + length)
        let packet = try transform(zeros, overhead: cipher.tagLength) { buffer, length throws(SRTPError) in
            try cipher.sealRTP(buffer.baseAddress!, headerLength: minimumRTPLength, length: length, ssrc: 0, index: 0)
        }
        return Array(packet[minimumRTPLength..<(minimumRTPLength + length)])
    }

    /// Protects an RTP packet with session keys given directly (no key derivation), at rollover counter `roc`.
    package static func protectRTP(_ packet: [UInt8], profile: SRTPProtectionProfile, sessionKey: [UInt8],
                                   sessionSalt: [UInt8], authenticationKey: [UInt8] = [],
                                   rolloverCounter: UInt32 = 0,
                                   implementation: SRTPCipherImplementation = .preferred) throws(SRTPError) -> [UInt8] {
        let cipher = try SRTPPacketCipher(profile: profile, keys: .init(encryption: sessionKey,
                                                                        authentication: authenticationKey,
                                                                        salt: sessionSalt), rtcp: false,
                                          implementation: implementation)
        let header = try rtpHeader(packet)
        return try transform(packet, overhead: cipher.tagLength) { buffer, length throws(SRTPError) in
            let index = UInt64(rolloverCounter) << 16 | UInt64(packet[2]) << 8 | UInt64(packet[3])
            return try cipher.sealRTP(buffer.baseAddress!, headerLength: header, length: length,
                                      ssrc: word(packet, 8), index: index)
        }
    }

    /// Verifies and decrypts an SRTP packet with session keys given directly.
    package static func unprotectRTP(_ packet: [UInt8], profile: SRTPProtectionProfile, sessionKey: [UInt8],
                                     sessionSalt: [UInt8], authenticationKey: [UInt8] = [],
                                     rolloverCounter: UInt32 = 0,
                                     implementation: SRTPCipherImplementation = .preferred) throws(SRTPError) -> [UInt8] {
        let cipher = try SRTPPacketCipher(profile: profile, keys: .init(encryption: sessionKey,
                                                                        authentication: authenticationKey,
                                                                        salt: sessionSalt), rtcp: false,
                                          implementation: implementation)
        let header = try rtpHeader(packet)
        return try transform(packet, overhead: 0) { buffer, length throws(SRTPError) in
            let index = UInt64(rolloverCounter) << 16 | UInt64(packet[2]) << 8 | UInt64(packet[3])
            return try cipher.openRTP(buffer.baseAddress!, headerLength: header, length: length,
                                      ssrc: word(packet, 8), index: index)
        }
    }

    /// Protects an RTCP packet with session keys given directly, with SRTCP index `index`.
    package static func protectRTCP(_ packet: [UInt8], profile: SRTPProtectionProfile, sessionKey: [UInt8],
                                    sessionSalt: [UInt8], authenticationKey: [UInt8] = [],
                                    index: UInt32,
                                    implementation: SRTPCipherImplementation = .preferred) throws(SRTPError) -> [UInt8] {
        let cipher = try SRTPPacketCipher(profile: profile, keys: .init(encryption: sessionKey,
                                                                        authentication: authenticationKey,
                                                                        salt: sessionSalt), rtcp: true,
                                          implementation: implementation)
        guard packet.count >= minimumRTCPLength else { throw .malformedPacket }
        return try transform(packet, overhead: cipher.tagLength + srtcpIndexLength) { buffer, length throws(SRTPError) in
            try cipher.sealRTCP(buffer.baseAddress!, length: length, ssrc: word(packet, 4), index: index)
        }
    }

    /// Verifies and, when its E flag says so, decrypts an SRTCP packet with session keys given directly.
    package static func unprotectRTCP(_ packet: [UInt8], profile: SRTPProtectionProfile, sessionKey: [UInt8],
                                      sessionSalt: [UInt8], authenticationKey: [UInt8] = [],
                                      implementation: SRTPCipherImplementation = .preferred) throws(SRTPError) -> [UInt8] {
        let cipher = try SRTPPacketCipher(profile: profile, keys: .init(encryption: sessionKey,
                                                                        authentication: authenticationKey,
                                                                        salt: sessionSalt), rtcp: true,
                                          implementation: implementation)
        guard packet.count >= minimumRTCPLength + cipher.tagLength + srtcpIndexLength else { throw .malformedPacket }
        let trailer = word(packet, cipher.rtcpTrailerOffset(length: packet.count))
        return try transform(packet, overhead: 0) { buffer, length throws(SRTPError) in
            try cipher.openRTCP(buffer.baseAddress!, length: length, ssrc: word(packet, 4),
                                index: trailer & 0x7fff_ffff, encrypted: trailer >> 31 == 1)
        }
    }

    private static func rtpHeader(_ packet: [UInt8]) throws(SRTPError) -> Int {
        guard packet.count >= minimumRTPLength,
              let length = packet.withUnsafeBufferPointer({ SRTPHeader.rtpHeaderLength($0.baseAddress!, limit: $0.count) })
        else { throw .malformedPacket }
        return length
    }

    private static func word(_ packet: [UInt8], _ offset: Int) -> UInt32 {
        packet.withUnsafeBufferPointer { SRTPHeader.word($0.baseAddress!, at: offset) }
    }

    /// libsrtp2's own AES-CM-128 keystream (IV all zero), to check the reference against RFC 3711 appendix B.2 too.
    package static func referenceAESCounterModeKeystream(sessionKey: [UInt8], sessionSalt: [UInt8],
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
        var output = [UInt8](repeating: 0, count: length)
        var octets = UInt32(length)
        if let error = SRTPError(srtp_cipher_encrypt(cipher, &output, &octets)) { throw error }
        return output
    }
}
