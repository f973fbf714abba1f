import MediaSecurity
import SecureTransport
import Testing

@Suite struct SRTPRoundTripTests {
    /// RTP protected by a sender is restored byte for byte by a receiver with the same key, with the payload
    /// encrypted and the profile's tag appended.
    @Test(arguments: SRTPProtectionProfile.allCases, SRTPCipherImplementation.allCases)
    func rtpRoundTrip(profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation) throws {
        let (sender, receiver) = try Packets.pair(profile, implementation: implementation)
        for sequence in UInt16(0)..<20 {
            let packet = Packets.rtp(sequence: sequence)
            let protected = try sender.protectRTP(packet)
            #expect(protected.count == packet.count + profile.rtpOverhead)
            #expect(Array(protected.prefix(12)) == Array(packet.prefix(12)), "the header stays in the clear")
            #expect(Array(protected[12..<packet.count]) != Array(packet[12...]), "the payload is encrypted")
            #expect(try receiver.unprotectRTP(protected) == packet)
        }
    }

    /// RTCP protected by a sender (rtcp-mux, same context) is restored by the receiver, with tag and SRTCP index
    /// appended.
    @Test(arguments: SRTPProtectionProfile.allCases, SRTPCipherImplementation.allCases)
    func rtcpRoundTrip(profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation) throws {
        let (sender, receiver) = try Packets.pair(profile, implementation: implementation)
        for count in UInt32(1)...5 {
            let report = Packets.senderReport(packets: count)
            let protected = try sender.protectRTCP(report)
            #expect(protected.count == report.count + profile.rtcpOverhead)
            #expect(Array(protected[8..<report.count]) != Array(report[8...]), "the report body is encrypted")
            #expect(try receiver.unprotectRTCP(protected) == report)
        }
    }

    /// The in-place API works within one caller-owned buffer and returns the new lengths.
    @Test(arguments: SRTPProtectionProfile.allCases, SRTPCipherImplementation.allCases)
    func inPlaceBuffer(profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation) throws {
        let (sender, receiver) = try Packets.pair(profile, implementation: implementation)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1500, alignment: 8)
        defer { buffer.deallocate() }
        for sequence in UInt16(100)..<110 {
            let packet = Packets.rtp(sequence: sequence)
            buffer.copyBytes(from: packet)
            let protectedLength = try sender.protectRTP(buffer, length: packet.count)
            #expect(protectedLength == packet.count + profile.rtpOverhead)
            let plainLength = try receiver.unprotectRTP(buffer, length: protectedLength)
            #expect(Array(buffer[..<plainLength]) == packet)
        }
        let report = Packets.senderReport()
        buffer.copyBytes(from: report)
        let protectedLength = try sender.protectRTCP(buffer, length: report.count)
        #expect(try receiver.unprotectRTCP(buffer, length: protectedLength) == report.count)
        #expect(Array(buffer[..<report.count]) == report)
    }

    /// One receiver accepts every SSRC the peer sends (`ssrc_any_inbound`), each with its own replay window.
    @Test func anySSRC() throws {
        let (sender, receiver) = try Packets.pair(.aeadAES128GCM)
        for ssrc: UInt32 in [1, 0xdead_beef, 42] {
            let packet = Packets.rtp(sequence: 7, ssrc: ssrc)
            #expect(try receiver.unprotectRTP(sender.protectRTP(packet)) == packet)
        }
    }

    /// A buffer without room for the tag is refused before libsrtp2 can write past it.
    @Test(arguments: SRTPProtectionProfile.allCases, SRTPCipherImplementation.allCases)
    func insufficientTailRoom(profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation) throws {
        let (sender, _) = try Packets.pair(profile, implementation: implementation)
        let packet = Packets.rtp(sequence: 1)
        var buffer = packet + [UInt8](repeating: 0, count: profile.rtpOverhead - 1)
        buffer.withUnsafeMutableBytes { bytes in
            #expect(throws: SRTPError.insufficientTailRoom(required: profile.rtpOverhead, available: profile.rtpOverhead - 1)) {
                _ = try sender.protectRTP(bytes, length: packet.count)
            }
            #expect(throws: SRTPError.insufficientTailRoom(required: profile.rtcpOverhead, available: profile.rtpOverhead - 1)) {
                _ = try sender.protectRTCP(bytes, length: packet.count)
            }
        }
    }

    /// Packets shorter than the fixed header, or longer than their buffer, are refused.
    @Test func invalidLengths() throws {
        let (sender, receiver) = try Packets.pair(.aes128CMHMACSHA1_80)
        #expect(throws: SRTPError.invalidLength(length: 11, capacity: 21)) { try sender.protectRTP([UInt8](repeating: 0x80, count: 11)) }
        #expect(throws: SRTPError.invalidLength(length: 5, capacity: 5)) { try receiver.unprotectRTCP([0x80, 200, 0, 1, 0]) }
        var buffer = [UInt8](repeating: 0, count: 40)
        buffer.withUnsafeMutableBytes { bytes in
            #expect(throws: SRTPError.invalidLength(length: 41, capacity: 40)) { _ = try receiver.unprotectRTP(bytes, length: 41) }
        }
    }

    /// A key or salt of the wrong length for the profile is refused when the context is created.
    @Test func wrongKeyLength() {
        let cmKey = Packets.key(.aes128CMHMACSHA1_80, seed: 1)
        #expect(throws: SRTPError.invalidKey(profile: .aeadAES128GCM, keyLength: 16, saltLength: 14)) {
            try SRTPSender(key: cmKey, profile: .aeadAES128GCM)
        }
        #expect(throws: SRTPError.badParameter) {
            try SRTPReceiver(key: cmKey, profile: .aes128CMHMACSHA1_80, replayWindow: 10)
        }
    }
}
