import MediaSecurity
import SecureTransport
import Testing

@Suite struct KnownAnswerTests {
    /// RFC 3711 appendix B.2's AES-CM keystream, first and last blocks, as `blocks` yields it for a given
    /// implementation.
    private static func checkAppendixB2(_ keystream: (Int) throws -> [UInt8]) throws {
        let blocks = 0xFF02
        let stream = try keystream(blocks * 16)
        #expect(stream.count == 1_044_512)
        func block(_ counter: Int) -> [UInt8] { Array(stream[(counter * 16)..<(counter * 16 + 16)]) }
        #expect(block(0x0000) == Packets.hex("E03EAD0935C95E80E166B16DD92B4EB4"))
        #expect(block(0x0001) == Packets.hex("D23513162B02D0F72A43A2FE4A5F97AB"))
        #expect(block(0x0002) == Packets.hex("41E95B3BB0A2E8DD477901E4FCA894C0"))
        #expect(block(0xFEFF) == Packets.hex("EC8CDF7398607CB0F2D21675EA9EA1E4"))
        #expect(block(0xFF00) == Packets.hex("362B7C3C6773516318A077D7FC5073AE"))
        #expect(block(0xFF01) == Packets.hex("6A2CC3787889374FBEB4C81B17BA6C44"))
    }

    private static let b2Key = Packets.hex("2B7E151628AED2A6ABF7158809CF4F3C")
    private static let b2Salt = Packets.hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD")

    /// The sender's AES-CM cipher (OpenSSL) produces the RFC 3711 appendix B.2 keystream from its IV layout.
    @Test(arguments: SRTPCipherImplementation.allCases)
    func rfc3711AppendixB2(implementation: SRTPCipherImplementation) throws {
        try Self.checkAppendixB2 { length in
            try SRTPKnownAnswer.aesCounterModeKeystream(sessionKey: Self.b2Key, sessionSalt: Self.b2Salt,
                                                        length: length, implementation: implementation)
        }
    }

    /// libsrtp2's AES-CM-128, the tests' reference, produces the same keystream.
    @Test func rfc3711AppendixB2Reference() throws {
        try Self.checkAppendixB2 { length in
            try SRTPKnownAnswer.referenceAESCounterModeKeystream(sessionKey: Self.b2Key, sessionSalt: Self.b2Salt,
                                                                 length: length)
        }
    }

    /// Key derivation yields RFC 3711 appendix B.3's cipher key, cipher salt and (first 160 bits of the) auth key.
    @Test func rfc3711AppendixB3() throws {
        let master = SRTPMasterKey(key: Packets.hex("E1F97A0D3E018BE0D64FA32C06DE4139"),
                                   salt: Packets.hex("0EC675AD498AFEEBB6960B3AABE6"))
        let keys = try SRTPKnownAnswer.deriveSessionKeys(profile: .aes128CMHMACSHA1_80, master: master)
        #expect(keys.rtp.encryption == Packets.hex("C61E7A93744F39EE10734AFE3FF7A087"))
        #expect(keys.rtp.salt == Packets.hex("30CBBC08863D8C85D49DB34A9AE1"))
        #expect(keys.rtp.authentication == Packets.hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"))
        #expect(keys.rtcp.encryption != keys.rtp.encryption, "SRTCP has its own labels 3 to 5")
    }

    // RFC 7714 sections 16 and 17: session keys given directly, "Quid pro quo" as the salt.
    static let gcmKey128 = Packets.hex("000102030405060708090a0b0c0d0e0f")
    static let gcmKey256 = Packets.hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
    static let gcmSalt = Packets.hex("517569642070726f2071756f")
    static let rtp = Packets.hex("8040f17b8041f8d35501a0b2"
                                         + "47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573")
    static let rtcp = Packets.hex("81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61"
                                          + "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef")

    static let rtpVectors: [(SRTPProtectionProfile, String)] = [
        (.aeadAES128GCM, "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b"
                         + "36de3adf8833899d7f27beb16a9152cf765ee4390cce"),
        (.aeadAES256GCM, "8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f"
                         + "1ba63799b87b7aa3db36dfffd6b0f9bb7878d7a76c13"),
    ]

    static let rtcpVectors: [(SRTPProtectionProfile, String)] = [
        (.aeadAES128GCM, "81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b46"
                         + "86303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4"),
        (.aeadAES256GCM, "81c8000d4d617273d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be8415f658"
                         + "c61de0476f1b6fad1d1eb30c4446839f57ff6f6cb26ac3be800005d4"),
    ]

    static func key(_ profile: SRTPProtectionProfile) -> [UInt8] {
        profile == .aeadAES256GCM ? gcmKey256 : gcmKey128
    }

    /// RFC 7714 section 16: the RTP packet protected with AEAD_AES_128_GCM and _256_GCM, and back.
    @Test(arguments: rtpVectors.indices, SRTPCipherImplementation.allCases)
    func rfc7714RTP(vector: Int, implementation: SRTPCipherImplementation) throws {
        let (profile, hex) = Self.rtpVectors[vector]
        let expected = Packets.hex(hex)
        let key = Self.key(profile)
        #expect(try SRTPKnownAnswer.protectRTP(Self.rtp, profile: profile, sessionKey: key, sessionSalt: Self.gcmSalt,
                                                 implementation: implementation)
                == expected)
        #expect(try SRTPKnownAnswer.unprotectRTP(expected, profile: profile, sessionKey: key, sessionSalt: Self.gcmSalt,
                                                 implementation: implementation)
                == Self.rtp)
        var tampered = expected
        tampered[tampered.count - 1] ^= 1
        #expect(throws: SRTPError.authenticationFailed) {
            try SRTPKnownAnswer.unprotectRTP(tampered, profile: profile, sessionKey: key, sessionSalt: Self.gcmSalt,
                                                 implementation: implementation)
        }
    }

    /// RFC 7714 section 17: the RTCP packet protected with SRTCP index 0x5d4, E flag set, and back.
    @Test(arguments: rtcpVectors.indices, SRTPCipherImplementation.allCases)
    func rfc7714RTCP(vector: Int, implementation: SRTPCipherImplementation) throws {
        let (profile, hex) = Self.rtcpVectors[vector]
        let expected = Packets.hex(hex)
        let key = Self.key(profile)
        #expect(try SRTPKnownAnswer.protectRTCP(Self.rtcp, profile: profile, sessionKey: key, sessionSalt: Self.gcmSalt,
                                                index: 0x5d4, implementation: implementation) == expected)
        #expect(try SRTPKnownAnswer.unprotectRTCP(expected, profile: profile, sessionKey: key, sessionSalt: Self.gcmSalt,
                                                 implementation: implementation)
                == Self.rtcp)
        var tampered = expected
        tampered[tampered.count - 1] ^= 1  // the index is associated data
        #expect(throws: SRTPError.authenticationFailed) {
            try SRTPKnownAnswer.unprotectRTCP(tampered, profile: profile, sessionKey: key, sessionSalt: Self.gcmSalt,
                                                 implementation: implementation)
        }
    }
}
