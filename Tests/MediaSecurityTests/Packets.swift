import MediaSecurity
import SecureTransport
import Testing

/// RTP and RTCP packets for the tests (RFC 3550 sections 5.1 and 6.4.1).
enum Packets {
    static func rtp(sequence: UInt16, ssrc: UInt32 = 0x1234_5678, payload: [UInt8] = Array(0..<160)) -> [UInt8] {
        let timestamp = UInt32(sequence) &* 960
        return [0x80, 96, UInt8(sequence >> 8), UInt8(sequence & 0xff)]
            + bigEndian(timestamp) + bigEndian(ssrc) + payload
    }

    /// An RTP packet with contributing sources, a one-byte header extension (RFC 8285: profile 0xBEDE, here with
    /// `extensionWords` words of elements) and, with `padding` > 0, the P bit and that many padding octets.
    static func rtp(sequence: UInt16, ssrc: UInt32 = 0x1234_5678, csrcs: [UInt32], extensionWords: Int,
                    padding: Int = 0, payload: [UInt8] = Array(0..<100)) -> [UInt8] {
        var first: UInt8 = 0x80 | UInt8(csrcs.count)
        if extensionWords > 0 { first |= 0x10 }
        if padding > 0 { first |= 0x20 }
        var packet: [UInt8] = [first, 0x80 | 96, UInt8(sequence >> 8), UInt8(sequence & 0xff)]
            + bigEndian(UInt32(sequence) &* 3000) + bigEndian(ssrc)
        for csrc in csrcs { packet += bigEndian(csrc) }
        if extensionWords > 0 {
            packet += [0xBE, 0xDE, 0, UInt8(extensionWords)]
            for word in 0..<extensionWords { packet += [0x10, UInt8(word), 0x22, 0x33] }
        }
        packet += payload
        if padding > 0 { packet += [UInt8](repeating: 0, count: padding - 1) + [UInt8(padding)] }
        return packet
    }

    /// A compound RTCP packet: a sender report followed by an SDES with a CNAME, as RFC 3550 section 6.1 requires.
    static func compound(ssrc: UInt32, packets: UInt32) -> [UInt8] {
        senderReport(ssrc: ssrc, packets: packets)
            + [0x81, 202, 0, 3] + bigEndian(ssrc) + [1, 4] + Array("clue".utf8) + [0, 0]
    }

    /// A sender report without report blocks: 28 bytes.
    static func senderReport(ssrc: UInt32 = 0x1234_5678, packets: UInt32 = 7) -> [UInt8] {
        [0x80, 200, 0, 6] + bigEndian(ssrc) + bigEndian(0xE000_0000) + bigEndian(0x8000_0000)
            + bigEndian(48_000) + bigEndian(packets) + bigEndian(packets * 160)
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }

    static func key(_ profile: SRTPProtectionProfile, seed: UInt8) -> SRTPMasterKey {
        SRTPMasterKey(key: (0..<UInt8(profile.masterKeyLength)).map { $0 &+ seed },
                      salt: (0..<UInt8(profile.masterSaltLength)).map { $0 &* 3 &+ seed })
    }

    static func pair(_ profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation = .preferred,
                     seed: UInt8 = 1, replayWindow: Int = 1024) throws -> (SRTPSender, SRTPReceiver) {
        let key = key(profile, seed: seed)
        return (try SRTPSender(key: key, profile: profile, implementation: implementation),
                try SRTPReceiver(key: key, profile: profile, replayWindow: replayWindow,
                                 implementation: implementation))
    }

    /// A profile with the code its AES runs in, for tests that already take a second argument.
    struct Variant: Sendable, CustomTestStringConvertible {
        let profile: SRTPProtectionProfile
        let implementation: SRTPCipherImplementation

        var testDescription: String { "\(profile), \(implementation)" }

        static let all = SRTPProtectionProfile.allCases.flatMap { profile in
            SRTPCipherImplementation.allCases.map { Variant(profile: profile, implementation: $0) }
        }
    }

    static func hex(_ string: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = string.startIndex
        while index < string.endIndex {
            let next = string.index(index, offsetBy: 2)
            bytes.append(UInt8(string[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
