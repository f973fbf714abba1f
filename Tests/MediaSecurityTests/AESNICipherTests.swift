import COpenSSL
import CSRTPCipher
import MediaSecurity
import SecureTransport
import TestSupport
import Testing

/// CSRTPCipher's AES-NI code against OpenSSL's EVP AES, on random inputs from a fixed seed, and the SRTP calls that
/// only it serves (out-of-place protection).
@Suite(.enabled(if: clue_srtp_aes_hardware_available() != 0, "the CPU lacks AES-NI or PCLMULQDQ"))
struct AESNICipherTests {
    /// The AES-NI context for `key`, freed when `body` returns; `wide` false forces the 8-block AES-NI counter mode
    /// where the CPU would use VAES.
    static func withHardware<T>(_ key: [UInt8], gcm: Bool, wide: Bool = true,
                                _ body: (OpaquePointer) throws -> T) throws -> T {
        let aes = try #require(clue_srtp_aes_new(key, key.count, gcm ? 1 : 0))
        defer { clue_srtp_aes_free(aes) }
        if !wide { #expect(clue_srtp_aes_use_wide(aes, 0) == 0) }
        return try body(aes)
    }

    /// EVP AES-GCM in one call: (ciphertext, tag), or nil plaintext when decryption refuses the tag.
    static func evpGCM(encrypt: Bool, key: [UInt8], iv: [UInt8], aad: [UInt8], data: [UInt8],
                       tag: [UInt8] = []) -> (output: [UInt8], tag: [UInt8])? {
        let context = EVP_CIPHER_CTX_new()
        defer { EVP_CIPHER_CTX_free(context) }
        let cipher = key.count == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm()
        var output = [UInt8](repeating: 0, count: data.count + 16)
        var written: Int32 = 0
        var outputTag = tag.isEmpty ? [UInt8](repeating: 0, count: 16) : tag
        guard EVP_CipherInit_ex(context, cipher, nil, key, iv, encrypt ? 1 : 0) == 1 else { return nil }
        if !encrypt { EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, 16, &outputTag) }
        EVP_CipherUpdate(context, nil, &written, aad, Int32(aad.count))
        if !data.isEmpty { EVP_CipherUpdate(context, &output, &written, data, Int32(data.count)) }
        let final = output.withUnsafeMutableBufferPointer { EVP_CipherFinal_ex(context, $0.baseAddress! + data.count, &written) }
        guard final == 1 else { return nil }
        if encrypt { EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, 16, &outputTag) }
        return (Array(output.prefix(data.count)), outputTag)
    }

    /// The lengths every run covers (block boundaries, the 8- and 16-block strides) and random ones up to 1500.
    static func lengths(_ random: inout SplitMix64, count: Int) -> [Int] {
        [0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1200, 1500]
            + (0..<count).map { _ in Int.random(in: 0...1500, using: &random) }
    }

    /// clue_srtp_gcm_seal with the associated data in two parts, aad[..<split] and aad[split...]: the ciphertext
    /// and a tag of `tagLength` bytes, or nil on failure. `inPlace` encrypts a copy of `plain` where it lies.
    static func seal(_ aes: OpaquePointer, iv: [UInt8], aad: [UInt8], split: Int, _ plain: [UInt8],
                     inPlace: Bool = false, tagLength: Int = 16) -> (output: [UInt8], tag: [UInt8])? {
        var sealed = inPlace ? plain : [UInt8](repeating: 0, count: plain.count)
        var tag = [UInt8](repeating: 0, count: tagLength)
        let status = sealed.withUnsafeMutableBufferPointer { out in
            plain.withUnsafeBufferPointer { source in
                aad.withUnsafeBufferPointer { aad in
                    clue_srtp_gcm_seal(aes, iv, aad.baseAddress, split, aad.baseAddress! + split, aad.count - split,
                                       inPlace ? UnsafePointer(out.baseAddress) : source.baseAddress, out.baseAddress,
                                       plain.count, &tag, tagLength)
                }
            }
        }
        return status == 0 ? (sealed, tag) : nil
    }

    /// clue_srtp_gcm_open in place, the associated data split as for `seal`: the plaintext, or nil when refused.
    static func open(_ aes: OpaquePointer, iv: [UInt8], aad: [UInt8], split: Int, _ sealed: [UInt8],
                     tag: [UInt8]) -> [UInt8]? {
        var opened = sealed
        let status = opened.withUnsafeMutableBufferPointer { out in
            aad.withUnsafeBufferPointer { aad in
                clue_srtp_gcm_open(aes, iv, aad.baseAddress, split, aad.baseAddress! + split, aad.count - split,
                                   out.baseAddress, out.baseAddress, sealed.count, tag, tag.count)
            }
        }
        return status == 0 ? opened : nil
    }

    /// GCM seal gives EVP's ciphertext and tag (or the tag's first bytes, truncated) for random keys, IVs,
    /// associated data of 12 to 80 bytes split anywhere in two (as SRTCP's is) and every payload length from 0 to
    /// 1500, in place or not; open restores the plaintext. On both paths: VAES and VPCLMULQDQ, and AES-NI and
    /// PCLMULQDQ alone.
    @Test(arguments: [16, 32], [true, false])
    func gcmMatchesEVP(keyLength: Int, wide: Bool) throws {
        var random = SplitMix64(seed: UInt64(keyLength))
        let key = random.bytes(keyLength)
        try Self.withHardware(key, gcm: true, wide: wide) { aes in
            for length in 0...1500 {
                let iv = random.bytes(12)
                let aad = random.bytes(Int.random(in: 12...80, using: &random))
                let split = Bool.random(using: &random) ? aad.count : Int.random(in: 0...aad.count, using: &random)
                let tagLength = Bool.random(using: &random) ? 16 : Int.random(in: 1...15, using: &random)
                let plain = random.bytes(length)
                let expected = try #require(Self.evpGCM(encrypt: true, key: key, iv: iv, aad: aad, data: plain))
                let sealed = try #require(Self.seal(aes, iv: iv, aad: aad, split: split, plain,
                                                    inPlace: Bool.random(using: &random), tagLength: tagLength))
                #expect(sealed.output == expected.output, "length \(length)")
                #expect(sealed.tag == Array(expected.tag.prefix(tagLength)),
                        "length \(length), associated data \(split) + \(aad.count - split)")
                #expect(Self.open(aes, iv: iv, aad: aad, split: split, sealed.output, tag: sealed.tag) == plain,
                        "length \(length)")
            }
        }
    }

    /// GCM open refuses a packet with any one bit flipped, in either part of the associated data, the ciphertext
    /// or the tag, for a payload within one hash group and one spanning two (with a partial last block), on both
    /// paths.
    @Test(arguments: [16, 32], [true, false])
    func gcmRefusesEveryFlippedBit(keyLength: Int, wide: Bool) throws {
        var random = SplitMix64(seed: 99 + UInt64(keyLength))
        let key = random.bytes(keyLength)
        try Self.withHardware(key, gcm: true, wide: wide) { aes in
            for length in [37, 300] {
                let iv = random.bytes(12)
                let aad = random.bytes(12)
                let plain = random.bytes(length)
                let sealed = try #require(Self.evpGCM(encrypt: true, key: key, iv: iv, aad: aad, data: plain))
                let message = aad + sealed.output + sealed.tag
                func opens(_ message: [UInt8]) -> Bool {
                    Self.open(aes, iv: iv, aad: Array(message[..<12]), split: 8, Array(message[12..<(12 + length)]),
                              tag: Array(message.suffix(16))) != nil
                }
                #expect(opens(message))
                for bit in 0..<(message.count * 8) {
                    var flipped = message
                    flipped[bit / 8] ^= 1 << (bit % 8)
                    #expect(!opens(flipped), "length \(length), bit \(bit)")
                }
            }
        }
    }

    /// The RFC 7714 section 16 and 17 packets, sealed and opened by the C calls directly on both paths: the RTP
    /// one with its 12-byte header as associated data, the RTCP one with its 8-byte header and the E flag and
    /// SRTCP index as the associated data's second part.
    @Test(arguments: [true, false])
    func rfc7714VectorsOnBothPaths(wide: Bool) throws {
        /// The salt xor 00 00 || SSRC || `rest` (RFC 7714 sections 8.1 and 9.1).
        func iv(ssrc: ArraySlice<UInt8>, _ rest: [UInt8]) -> [UInt8] {
            zip(KnownAnswerTests.gcmSalt, [0, 0] + ssrc + rest).map { $0 ^ $1 }
        }
        let rtp = KnownAnswerTests.rtp
        let rtcp = KnownAnswerTests.rtcp
        for (profile, hex) in KnownAnswerTests.rtpVectors + KnownAnswerTests.rtcpVectors {
            let expected = Packets.hex(hex)
            let isRTP = expected[1] != 0xc8
            // RTP: ROC 0 and the sequence number; RTCP: 00 00, then the index 0x5d4 as expected's last word has it.
            let nonce = isRTP ? iv(ssrc: rtp[8..<12], [0, 0, 0, 0] + rtp[2..<4])
                              : iv(ssrc: rtcp[4..<8], [0, 0, 0, 0, 0x05, 0xd4])
            let headerLength = isRTP ? 12 : 8
            let plain = Array((isRTP ? rtp : rtcp)[headerLength...])
            let aad = Array(expected[..<headerLength]) + (isRTP ? [] : Array(expected.suffix(4)))
            let ciphertext = Array(expected[headerLength..<(headerLength + plain.count)])
            let tag = Array(expected[(headerLength + plain.count)..<(headerLength + plain.count + 16)])
            try Self.withHardware(KnownAnswerTests.key(profile), gcm: true, wide: wide) { aes in
                let sealed = try #require(Self.seal(aes, iv: nonce, aad: aad, split: headerLength, plain))
                #expect(sealed.output == ciphertext, "\(profile), RTP \(isRTP)")
                #expect(sealed.tag == tag, "\(profile), RTP \(isRTP)")
                #expect(Self.open(aes, iv: nonce, aad: aad, split: headerLength, ciphertext, tag: tag) == plain)
            }
        }
    }

    /// Counter mode gives EVP AES-CTR's output for SRTP's IVs (last 16 bits zero, RFC 3711 section 4.1.1), where a
    /// 32-bit counter and EVP's 128-bit one agree, for payloads of 0 to 1500 bytes, in place or not.
    @Test(arguments: [16, 32], [true, false])
    func counterModeMatchesEVP(keyLength: Int, wide: Bool) throws {
        var random = SplitMix64(seed: 7 + UInt64(keyLength))
        let key = random.bytes(keyLength)
        let context = EVP_CIPHER_CTX_new()
        defer { EVP_CIPHER_CTX_free(context) }
        #expect(EVP_EncryptInit_ex(context, keyLength == 16 ? EVP_aes_128_ctr() : EVP_aes_256_ctr(), nil, key, nil) == 1)
        try Self.withHardware(key, gcm: false, wide: wide) { aes in
            for length in Self.lengths(&random, count: 200) {
                // Bytes 12 and 13 random with 0xff likely, so that carries run through the 32-bit counter.
                let iv = random.bytes(12) + [Bool.random(using: &random) ? 0xff : UInt8.random(in: 0...255, using: &random), 0xff, 0, 0]
                let plain = random.bytes(length)
                var expected = [UInt8](repeating: 0, count: length + 1)
                var written: Int32 = 0
                #expect(EVP_EncryptInit_ex(context, nil, nil, nil, iv) == 1)
                if length > 0 { EVP_EncryptUpdate(context, &expected, &written, plain, Int32(length)) }
                var output = [UInt8](repeating: 0, count: length)
                if Bool.random(using: &random) {
                    output = plain
                    output.withUnsafeMutableBufferPointer { clue_srtp_aes_ctr(aes, iv, $0.baseAddress, $0.baseAddress, length) }
                } else {
                    clue_srtp_aes_ctr(aes, iv, plain, &output, length)
                }
                #expect(output == Array(expected.prefix(length)), "length \(length)")
            }
        }
    }

    static let shapes: [[UInt8]] = [
        Packets.rtp(sequence: 1),
        Packets.rtp(sequence: 2, csrcs: [0xC5C5_0001, 0xC5C5_0002], extensionWords: 3, padding: 4),
        Packets.rtp(sequence: 3, csrcs: [], extensionWords: 2, payload: []),
        Packets.rtp(sequence: 4, payload: (0..<1200).map { UInt8($0 & 0xff) }),
        Packets.rtp(sequence: 5, csrcs: [], extensionWords: 1, payload: (0..<1379).map { UInt8($0 % 251) }),
    ]

    /// Protecting with the payload read from elsewhere gives exactly the bytes of protecting in place, and the
    /// receiver restores the packet.
    @Test(arguments: SRTPProtectionProfile.allCases, SRTPCipherImplementation.allCases)
    func outOfPlaceMatchesInPlace(profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation) throws {
        let key = Packets.key(profile, seed: 11)
        let inPlace = try SRTPSender(key: key, profile: profile, implementation: implementation)
        let outOfPlace = try SRTPSender(key: key, profile: profile, implementation: implementation)
        let receiver = try SRTPReceiver(key: key, profile: profile, implementation: implementation)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1500, alignment: 8)
        defer { buffer.deallocate() }
        for packet in Self.shapes {
            let expected = try inPlace.protectRTP(packet)
            let headerLength = try #require(packet.withUnsafeBufferPointer { bytes -> Int? in
                var length = 12 + 4 * Int(bytes[0] & 0x0f)
                if bytes[0] & 0x10 != 0 { length += 4 + 4 * (Int(bytes[length + 2]) << 8 | Int(bytes[length + 3])) }
                return length
            })
            // Whatever the buffer held after the header must not matter.
            buffer.initializeMemory(as: UInt8.self, repeating: 0xA5)
            buffer.copyBytes(from: packet[..<headerLength])
            let payload = Array(packet[headerLength...]) + [0xEE]  // a byte past the payload, never read
            let length = try payload.withUnsafeBytes { payload throws(SRTPError) in
                try outOfPlace.protectRTP(buffer, length: packet.count, payloadFrom: payload.baseAddress!)
            }
            #expect(Array(buffer[..<length]) == expected, "\(packet.count) bytes")
            #expect(try receiver.unprotectRTP(Array(buffer[..<length])) == packet)
        }
    }

    /// Sessions run on AES-NI where the CPU has it, and on EVP when a test asks.
    @Test func preferredIsAESNI() throws {
        #expect(SRTPCipherImplementation.preferred == .aesNI)
        let key = Packets.key(.aeadAES128GCM, seed: 1)
        #expect(try SRTPSender(key: key, profile: .aeadAES128GCM).implementation == .aesNI)
        #expect(try SRTPReceiver(key: key, profile: .aeadAES128GCM, implementation: .evp).implementation == .evp)
    }
}
