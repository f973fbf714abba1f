import MediaSecurity
import Testing

@Suite struct KnownAnswerTests {
    /// libsrtp2's AES-CM-128 produces the RFC 3711 appendix B.2 keystream, first and last blocks.
    @Test func rfc3711AppendixB2() throws {
        let blocks = 0xFF02
        let keystream = try SRTPKnownAnswer.aesCounterModeKeystream(
            sessionKey: Packets.hex("2B7E151628AED2A6ABF7158809CF4F3C"),
            sessionSalt: Packets.hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"),
            length: blocks * 16)
        #expect(keystream.count == 1_044_512)
        func block(_ counter: Int) -> [UInt8] { Array(keystream[(counter * 16)..<(counter * 16 + 16)]) }
        #expect(block(0x0000) == Packets.hex("E03EAD0935C95E80E166B16DD92B4EB4"))
        #expect(block(0x0001) == Packets.hex("D23513162B02D0F72A43A2FE4A5F97AB"))
        #expect(block(0x0002) == Packets.hex("41E95B3BB0A2E8DD477901E4FCA894C0"))
        #expect(block(0xFEFF) == Packets.hex("EC8CDF7398607CB0F2D21675EA9EA1E4"))
        #expect(block(0xFF00) == Packets.hex("362B7C3C6773516318A077D7FC5073AE"))
        #expect(block(0xFF01) == Packets.hex("6A2CC3787889374FBEB4C81B17BA6C44"))
    }
}
