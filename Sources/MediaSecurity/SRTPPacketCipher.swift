import COpenSSL
import CSRTPCipher
import SecureTransport

/// Which code runs the AES of a session's packets. Both give the same bytes; the tests run every check on each.
package enum SRTPCipherImplementation: Sendable, CaseIterable {
    /// AES-NI rounds and PCLMULQDQ GHASH (VAES and VPCLMULQDQ where the CPU has them) from CSRTPCipher: no
    /// per-packet parameter lookups. Falls back to `.evp` where the CPU lacks AES-NI or PCLMULQDQ.
    case aesNI
    /// OpenSSL's EVP interface, for CPUs without AES-NI: about 250 ns more per 1200-byte GCM packet (its IV setup and
    /// tag retrieval look parameters up by name).
    case evp

    /// What a session gets unless a test asks otherwise.
    package static let preferred: Self = clue_srtp_aes_hardware_available() != 0 ? .aesNI : .evp
}

/// The per-packet transform of one session key set (SRTP's or SRTCP's): AES-GCM (RFC 7714) or AES counter mode
/// with HMAC-SHA1 (RFC 3711 sections 4.1.1 and 4.2.1), with AES-NI directly or through OpenSSL's EVP interface.
///
/// The key is expanded once; each packet only sets the IV, so nothing is allocated per packet. Works on the
/// caller's bytes, in place or (sealing RTP) from a separate payload; the caller has checked every length it passes.
final class SRTPPacketCipher {
    private let aead: Bool
    /// The RTP or RTCP tag length of the profile.
    let tagLength: Int
    /// The AES-NI key (and GCM state), or nil when the EVP context does the work.
    private let hardware: OpaquePointer?
    private let context: OpaquePointer?
    /// k_s, zero-padded to 16 bytes.
    private let salt: UnsafeMutableRawPointer
    /// The HMAC-SHA1 key's inner and outer hash states (AES-CM only).
    private let hmacStates: UnsafeMutableRawPointer?
    private let hmacStateSize: Int

    /// The code that actually runs (`.evp` when `.aesNI` was asked for on a CPU without it).
    var implementation: SRTPCipherImplementation { hardware == nil ? .evp : .aesNI }

    init(profile: SRTPProtectionProfile, keys: SRTPSessionKeys.Keys, rtcp: Bool,
         implementation: SRTPCipherImplementation = .preferred) throws(SRTPError) {
        let aead = profile.isAEAD
        self.aead = aead
        tagLength = rtcp ? profile.rtcpTagLength : profile.rtpTagLength
        if implementation == .aesNI, let hardware = keys.encryption.withUnsafeBufferPointer({ key in
            clue_srtp_aes_new(key.baseAddress, key.count, aead ? 1 : 0)
        }) {
            self.hardware = hardware
            context = nil
        } else {
            let cipher: OpaquePointer? = switch profile {
            case .aeadAES128GCM: EVP_aes_128_gcm()
            case .aeadAES256GCM: EVP_aes_256_gcm()
            case .aes128CMHMACSHA1_80, .aes128CMHMACSHA1_32: EVP_aes_128_ctr()
            }
            guard let cipher, let context = EVP_CIPHER_CTX_new() else { throw .cipherFailure }
            guard EVP_CipherInit_ex(context, cipher, nil, keys.encryption, nil, 1) == 1 else {
                EVP_CIPHER_CTX_free(context)
                throw .cipherFailure
            }
            self.context = context
            hardware = nil
        }
        salt = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 8)
        salt.initializeMemory(as: UInt8.self, repeating: 0, count: 16)
        salt.copyMemory(from: keys.salt, byteCount: min(keys.salt.count, 16))
        hmacStateSize = clue_hmac_sha1_state_size()
        if aead {
            hmacStates = nil
        } else {
            let states = UnsafeMutableRawPointer.allocate(byteCount: 2 * hmacStateSize, alignment: 16)
            clue_hmac_sha1_key_states(keys.authentication, keys.authentication.count, states, states + hmacStateSize)
            hmacStates = states
        }
    }

    deinit {
        // Both wipe the key schedule before freeing it.
        clue_srtp_aes_free(hardware)
        EVP_CIPHER_CTX_free(context)
        salt.initializeMemory(as: UInt8.self, repeating: 0, count: 16)
        salt.deallocate()
        if let hmacStates {
            hmacStates.initializeMemory(as: UInt8.self, repeating: 0, count: 2 * hmacStateSize)
            hmacStates.deallocate()
        }
    }

    // MARK: SRTP

    /// Encrypts `packet[headerLength..<length]` and appends the tag; returns the SRTP length. With `payload`, the
    /// `length - headerLength` plaintext bytes are read from there instead and written encrypted into the packet
    /// (`payload` must not overlap `packet[headerLength..<length]` unless it is exactly `packet + headerLength`).
    @inline(__always)
    func sealRTP(_ packet: UnsafeMutableRawPointer, headerLength: Int, length: Int,
                 payload: UnsafeRawPointer? = nil, ssrc: UInt32, index: UInt64) throws(SRTPError) -> Int {
        var iv = initializationVector(ssrc: ssrc, index: index)
        let bytes = packet.assumingMemoryBound(to: UInt8.self)
        let source = payload?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bytes + headerLength)
        if aead {
            // RFC 7714 section 8.1: the whole header (CSRCs and extensions included) is associated data.
            try withUnsafeBytes(of: &iv) { iv throws(SRTPError) in
                try gcm(encrypt: true, iv: iv, aad: bytes, aadLength: headerLength, aad2: nil, aad2Length: 0,
                        input: source, output: bytes + headerLength, dataLength: length - headerLength,
                        tag: bytes + length)
            }
        } else {
            try withUnsafeBytes(of: &iv) { iv throws(SRTPError) in
                try counterMode(iv: iv, input: source, output: bytes + headerLength, length: length - headerLength)
            }
            // RFC 3711 section 4.2: the tag covers the authenticated portion followed by the ROC.
            var rolloverCounter = UInt32(truncatingIfNeeded: index >> 16).bigEndian
            withUnsafeBytes(of: &rolloverCounter) { roc in
                hmac(bytes, length: length, suffix: roc.baseAddress, suffixLength: 4, into: bytes + length)
            }
        }
        return length + tagLength
    }

    /// Verifies the tag of the SRTP packet `packet[0..<length]` and decrypts it; returns the RTP length. AES-CM
    /// leaves the packet untouched when the tag fails; GCM decrypts while it authenticates.
    @inline(__always)
    func openRTP(_ packet: UnsafeMutableRawPointer, headerLength: Int, length: Int, ssrc: UInt32,
                 index: UInt64) throws(SRTPError) -> Int {
        let plainLength = length - tagLength
        var iv = initializationVector(ssrc: ssrc, index: index)
        let bytes = packet.assumingMemoryBound(to: UInt8.self)
        if aead {
            try withUnsafeBytes(of: &iv) { iv throws(SRTPError) in
                try gcm(encrypt: false, iv: iv, aad: bytes, aadLength: headerLength, aad2: nil, aad2Length: 0,
                        input: bytes + headerLength, output: bytes + headerLength,
                        dataLength: plainLength - headerLength, tag: bytes + plainLength)
            }
        } else {
            var rolloverCounter = UInt32(truncatingIfNeeded: index >> 16).bigEndian
            try withUnsafeBytes(of: &rolloverCounter) { roc throws(SRTPError) in
                try verifyHMAC(bytes, length: plainLength, suffix: roc.baseAddress, suffixLength: 4,
                               tag: bytes + plainLength)
            }
            try withUnsafeBytes(of: &iv) { iv throws(SRTPError) in
                try counterMode(iv: iv, input: bytes + headerLength, output: bytes + headerLength,
                                length: plainLength - headerLength)
            }
        }
        return plainLength
    }

    // MARK: SRTCP

    /// Encrypts `packet[8..<length]` and appends the tag and the E flag with `index` (RFC 3711 section 3.4; RFC
    /// 7714 section 9.1 puts the tag before the index, RFC 3711 after it); returns the SRTCP length.
    @inline(__always)
    func sealRTCP(_ packet: UnsafeMutableRawPointer, length: Int, ssrc: UInt32,
                  index: UInt32) throws(SRTPError) -> Int {
        var iv = initializationVector(ssrc: ssrc, index: UInt64(index))
        var trailer = (UInt32(1) << 31 | index).bigEndian
        let bytes = packet.assumingMemoryBound(to: UInt8.self)
        let body = minimumRTCPLength
        if aead {
            // RFC 7714 section 9.2: the associated data is the first 8 octets and the E flag with the index.
            try withUnsafeBytes(of: &iv) { iv throws(SRTPError) in
                try withUnsafeBytes(of: &trailer) { trailer throws(SRTPError) in
                    try gcm(encrypt: true, iv: iv, aad: bytes, aadLength: body,
                            aad2: trailer.baseAddress!.assumingMemoryBound(to: UInt8.self), aad2Length: 4,
                            input: bytes + body, output: bytes + body, dataLength: length - body,
                            tag: bytes + length)
                }
            }
            UnsafeMutableRawPointer(bytes + length + tagLength).storeBytes(of: trailer, as: UInt32.self)
        } else {
            try withUnsafeBytes(of: &iv) { iv throws(SRTPError) in
                try counterMode(iv: iv, input: bytes + body, output: bytes + body, length: length - body)
            }
            UnsafeMutableRawPointer(bytes + length).storeBytes(of: trailer, as: UInt32.self)
            hmac(bytes, length: length + srtcpIndexLength, suffix: nil, suffixLength: 0,
                 into: bytes + length + srtcpIndexLength)
        }
        return length + tagLength + srtcpIndexLength
    }

    /// Where an SRTCP packet of `length` bytes keeps its E flag and index.
    @inline(__always)
    func rtcpTrailerOffset(length: Int) -> Int {
        aead ? length - srtcpIndexLength : length - tagLength - srtcpIndexLength
    }

    /// Verifies and, if `encrypted` (the E flag), decrypts the SRTCP packet `packet[0..<length]`; returns the RTCP
    /// length.
    @inline(__always)
    func openRTCP(_ packet: UnsafeMutableRawPointer, length: Int, ssrc: UInt32, index: UInt32,
                  encrypted: Bool) throws(SRTPError) -> Int {
        let plainLength = length - tagLength - srtcpIndexLength
        let trailerOffset = rtcpTrailerOffset(length: length)
        var iv = initializationVector(ssrc: ssrc, index: UInt64(index))
        let bytes = packet.assumingMemoryBound(to: UInt8.self)
        let body = encrypted ? minimumRTCPLength : plainLength
        if aead {
            // Without the E flag the whole packet is associated data and nothing is encrypted (RFC 7714 9.2).
            try withUnsafeBytes(of: &iv) { iv throws(SRTPError) in
                try gcm(encrypt: false, iv: iv, aad: bytes, aadLength: body, aad2: bytes + trailerOffset,
                        aad2Length: srtcpIndexLength, input: bytes + body, output: bytes + body,
                        dataLength: plainLength - body,
                        tag: bytes + plainLength)
            }
        } else {
            try verifyHMAC(bytes, length: plainLength + srtcpIndexLength, suffix: nil, suffixLength: 0,
                           tag: bytes + plainLength + srtcpIndexLength)
            if encrypted {
                try withUnsafeBytes(of: &iv) { iv throws(SRTPError) in
                    try counterMode(iv: iv, input: bytes + body, output: bytes + body, length: plainLength - body)
                }
            }
        }
        return plainLength
    }

    // MARK: Primitives

    /// The IV before XOR with the salt: the SSRC, then the 48-bit index right after it (RFC 7714 sections 8.1 and
    /// 9.1, 12 octets from octet 2; RFC 3711 section 4.1.1, 16 octets from octet 4, the last two the block counter).
    @inline(__always)
    private func initializationVector(ssrc: UInt32, index: UInt64) -> (UInt64, UInt64) {
        // Big-endian: GCM's 12 bytes are 00 00 S S S S I I I I I I; AES-CM's 16 are 0000 SSSS IIIIII 00 00.
        let first: UInt64
        let second: UInt64
        if aead {
            first = UInt64(ssrc) << 16 | index >> 32
            second = (index & 0xffff_ffff) << 32
        } else {
            first = UInt64(ssrc)
            second = index << 16
        }
        let saltWords = salt.assumingMemoryBound(to: UInt64.self)
        return (first.bigEndian ^ saltWords[0], second.bigEndian ^ saltWords[1])
    }

    /// RFC 3711 section 4.1.1 counts blocks in the IV's last 16 bits, which start at zero; the AES-NI code counts in
    /// the last 32, which gives the same keystream for payloads under 2^16 blocks (1 MiB), far above any RTP packet.
    @inline(__always)
    private func counterMode(iv: UnsafeRawBufferPointer, input: UnsafePointer<UInt8>,
                             output: UnsafeMutablePointer<UInt8>, length: Int) throws(SRTPError) {
        guard length > 0 else { return }
        let counterBlock = iv.baseAddress!.assumingMemoryBound(to: UInt8.self)
        if let hardware {
            clue_srtp_aes_ctr(hardware, counterBlock, input, output, length)
            return
        }
        var written: Int32 = 0
        guard EVP_EncryptInit_ex(context, nil, nil, nil, counterBlock) == 1,
              EVP_EncryptUpdate(context, output, &written, input, Int32(length)) == 1 else { throw .cipherFailure }
    }

    /// The associated data is `aad` then `aad2`; `dataLength` bytes go from `input` to `output` (the same or apart).
    @inline(__always)
    private func gcm(encrypt: Bool, iv: UnsafeRawBufferPointer, aad: UnsafePointer<UInt8>, aadLength: Int,
                     aad2: UnsafePointer<UInt8>?, aad2Length: Int, input: UnsafePointer<UInt8>,
                     output: UnsafeMutablePointer<UInt8>, dataLength: Int,
                     tag: UnsafeMutablePointer<UInt8>) throws(SRTPError) {
        let nonce = iv.baseAddress!.assumingMemoryBound(to: UInt8.self)
        if let hardware {
            if encrypt {
                guard clue_srtp_gcm_seal(hardware, nonce, aad, aadLength, aad2, aad2Length, input, output, dataLength,
                                         tag, tagLength) == 0 else { throw .cipherFailure }
            } else {
                // The lengths were checked, so the only failure left is the tag (compared in constant time).
                guard clue_srtp_gcm_open(hardware, nonce, aad, aadLength, aad2, aad2Length, input, output,
                                         dataLength, tag, tagLength) == 0 else { throw .authenticationFailed }
            }
            return
        }
        var written: Int32 = 0
        guard EVP_CipherInit_ex(context, nil, nil, nil, nonce, encrypt ? 1 : 0) == 1 else { throw .cipherFailure }
        if !encrypt, EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagLength), tag) != 1 {
            throw .cipherFailure
        }
        guard EVP_CipherUpdate(context, nil, &written, aad, Int32(aadLength)) == 1 else { throw .cipherFailure }
        if let aad2, EVP_CipherUpdate(context, nil, &written, aad2, Int32(aad2Length)) != 1 {
            throw .cipherFailure
        }
        if dataLength > 0, EVP_CipherUpdate(context, output, &written, input, Int32(dataLength)) != 1 {
            throw .cipherFailure
        }
        guard EVP_CipherFinal_ex(context, output + dataLength, &written) == 1 else {
            // On decryption the only failure left is the tag (OpenSSL compares it in constant time).
            throw encrypt ? .cipherFailure : .authenticationFailed
        }
        if encrypt, EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagLength), tag) != 1 {
            throw .cipherFailure
        }
    }

    @inline(__always)
    private func hmac(_ message: UnsafePointer<UInt8>, length: Int, suffix: UnsafeRawPointer?, suffixLength: Int,
                      into tag: UnsafeMutablePointer<UInt8>) {
        var digest: (UInt64, UInt64, UInt32) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { digest in
            let output = digest.baseAddress!.assumingMemoryBound(to: UInt8.self)
            clue_hmac_sha1_digest(hmacStates, hmacStates! + hmacStateSize, message, length, suffix, suffixLength,
                                  output)
            tag.update(from: output, count: tagLength)
        }
    }

    @inline(__always)
    private func verifyHMAC(_ message: UnsafePointer<UInt8>, length: Int, suffix: UnsafeRawPointer?,
                            suffixLength: Int, tag: UnsafePointer<UInt8>) throws(SRTPError) {
        var digest: (UInt64, UInt64, UInt32) = (0, 0, 0)
        let matches = withUnsafeMutableBytes(of: &digest) { digest in
            let output = digest.baseAddress!.assumingMemoryBound(to: UInt8.self)
            clue_hmac_sha1_digest(hmacStates, hmacStates! + hmacStateSize, message, length, suffix, suffixLength,
                                  output)
            return CRYPTO_memcmp(output, tag, tagLength) == 0
        }
        guard matches else { throw .authenticationFailed }
    }
}
