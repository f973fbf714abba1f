import MediaSecurity
import SecureTransport
import Testing

@Suite struct SRTPRejectionTests {
    /// Changing any one byte of a protected RTP packet (header, payload or tag) makes authentication fail.
    @Test(arguments: SRTPProtectionProfile.allCases, SRTPCipherImplementation.allCases)
    func tamperedRTP(profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation) throws {
        let (sender, receiver) = try Packets.pair(profile, implementation: implementation)
        let protected = try sender.protectRTP(Packets.rtp(sequence: 1))
        for index in [1, 8, 20, protected.count - 1] {
            var tampered = protected
            tampered[index] ^= 0x01
            #expect(throws: SRTPError.authenticationFailed) { try receiver.unprotectRTP(tampered) }
        }
        #expect(try receiver.unprotectRTP(protected) == Packets.rtp(sequence: 1), "failures do not poison the window")
    }

    /// Changing one byte of a protected RTCP packet makes authentication fail.
    @Test(arguments: SRTPProtectionProfile.allCases, SRTPCipherImplementation.allCases)
    func tamperedRTCP(profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation) throws {
        let (sender, receiver) = try Packets.pair(profile, implementation: implementation)
        var protected = try sender.protectRTCP(Packets.senderReport())
        protected[12] ^= 0x80
        #expect(throws: SRTPError.authenticationFailed) { try receiver.unprotectRTCP(protected) }
    }

    /// A packet delivered a second time is rejected as a replay, for RTP and for RTCP.
    @Test(arguments: SRTPProtectionProfile.allCases, SRTPCipherImplementation.allCases)
    func replay(profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation) throws {
        let (sender, receiver) = try Packets.pair(profile, implementation: implementation)
        let rtp = try sender.protectRTP(Packets.rtp(sequence: 5))
        let rtcp = try sender.protectRTCP(Packets.senderReport())
        _ = try receiver.unprotectRTP(rtp)
        _ = try receiver.unprotectRTCP(rtcp)
        #expect(throws: SRTPError.replayed) { try receiver.unprotectRTP(rtp) }
        #expect(throws: SRTPError.replayed) { try receiver.unprotectRTCP(rtcp) }
    }

    /// A packet first seen after the window has moved more than its size past it is rejected as too old, while
    /// a late packet inside the window is still accepted once.
    @Test func behindTheWindow() throws {
        let (sender, receiver) = try Packets.pair(.aeadAES128GCM, replayWindow: 64)
        let protected = try (UInt16(0)..<200).map { try sender.protectRTP(Packets.rtp(sequence: $0)) }
        for packet in protected[1..<190] { _ = try receiver.unprotectRTP(packet) }
        #expect(throws: SRTPError.tooOld) { try receiver.unprotectRTP(protected[0]) }
        #expect(try receiver.unprotectRTP(protected[195]) == Packets.rtp(sequence: 195), "ahead of the window")
        #expect(try receiver.unprotectRTP(protected[190]) == Packets.rtp(sequence: 190), "late but inside")
    }

    /// A receiver keyed differently from the sender rejects every packet.
    @Test(arguments: SRTPProtectionProfile.allCases, SRTPCipherImplementation.allCases)
    func wrongKey(profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation) throws {
        let sender = try SRTPSender(key: Packets.key(profile, seed: 1), profile: profile,
                                    implementation: implementation)
        let receiver = try SRTPReceiver(key: Packets.key(profile, seed: 2), profile: profile,
                                        implementation: implementation)
        #expect(throws: SRTPError.authenticationFailed) { try receiver.unprotectRTP(sender.protectRTP(Packets.rtp(sequence: 1))) }
        #expect(throws: SRTPError.authenticationFailed) { try receiver.unprotectRTCP(sender.protectRTCP(Packets.senderReport())) }
    }

    /// A sender refuses to protect the same sequence number twice unless repeat transmission is allowed.
    @Test func senderRepeat() throws {
        let key = Packets.key(.aeadAES128GCM, seed: 9)
        let strict = try SRTPSender(key: key, profile: .aeadAES128GCM)
        _ = try strict.protectRTP(Packets.rtp(sequence: 3))
        #expect(throws: SRTPError.replayed) { try strict.protectRTP(Packets.rtp(sequence: 3)) }
        let lenient = try SRTPSender(key: key, profile: .aeadAES128GCM, allowRepeatTransmission: true)
        let first = try lenient.protectRTP(Packets.rtp(sequence: 3))
        #expect(try lenient.protectRTP(Packets.rtp(sequence: 3)) == first)
    }
}
