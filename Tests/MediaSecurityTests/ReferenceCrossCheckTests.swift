import MediaSecurity
import SecureTransport
import Testing

/// Our OpenSSL SRTP against libsrtp2 as the reference: protect with one, unprotect with the other, for every
/// profile, and feed both receivers the same deliveries to see that they decide alike.
@Suite struct ReferenceCrossCheckTests {
    /// A sender of each implementation and a receiver of each, all on one key.
    struct Endpoints {
        let ours: SRTPSender
        let reference: ReferenceSRTPSender
        let ourReceiver: SRTPReceiver
        let referenceReceiver: ReferenceSRTPReceiver

        init(_ profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation, seed: UInt8 = 7,
             replayWindow: Int = 1024) throws {
            let key = Packets.key(profile, seed: seed)
            ours = try SRTPSender(key: key, profile: profile, implementation: implementation)
            reference = try ReferenceSRTPSender(key: key, profile: profile)
            ourReceiver = try SRTPReceiver(key: key, profile: profile, replayWindow: replayWindow,
                                           implementation: implementation)
            referenceReceiver = try ReferenceSRTPReceiver(key: key, profile: profile, replayWindow: replayWindow)
        }
    }

    static let shapes: [(name: String, make: @Sendable (UInt16, UInt32) -> [UInt8])] = [
        ("plain", { Packets.rtp(sequence: $0, ssrc: $1) }),
        ("CSRCs", { Packets.rtp(sequence: $0, ssrc: $1, csrcs: [0xC5C5_0001, 0xC5C5_0002], extensionWords: 0) }),
        ("extension", { Packets.rtp(sequence: $0, ssrc: $1, csrcs: [], extensionWords: 3) }),
        ("CSRCs, extension and padding",
         { Packets.rtp(sequence: $0, ssrc: $1, csrcs: [7], extensionWords: 1, padding: 4) }),
        ("empty payload", { Packets.rtp(sequence: $0, ssrc: $1, csrcs: [], extensionWords: 2, payload: []) }),
        ("long payload", { Packets.rtp(sequence: $0, ssrc: $1, payload: (0..<1200).map { UInt8($0 & 0xff) }) }),
    ]

    /// Both implementations protect every packet shape to the same bytes, and each unprotects the other's.
    @Test(arguments: Packets.Variant.all, shapes.indices)
    func sameBytesBothWays(variant: Packets.Variant, shape: Int) throws {
        let (profile, implementation) = (variant.profile, variant.implementation)
        let endpoints = try Endpoints(profile, implementation: implementation)
        let make = Self.shapes[shape].make
        for sequence in UInt16(1)...20 {
            let packet = make(sequence, 0xA1B2_C3D4)
            let ours = try endpoints.ours.protectRTP(packet)
            let reference = try endpoints.reference.protectRTP(packet)
            #expect(ours == reference, "\(Self.shapes[shape].name), sequence \(sequence)")
            #expect(try endpoints.referenceReceiver.unprotectRTP(ours) == packet)
            #expect(try endpoints.ourReceiver.unprotectRTP(reference) == packet)
        }
    }

    /// Across the sequence number's wrap from 65535 to 0 both sides move the rollover counter into the IV and tag
    /// alike, for several interleaved SSRCs, in both directions.
    @Test(arguments: SRTPProtectionProfile.allCases, SRTPCipherImplementation.allCases)
    func rolloverBothWays(profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation) throws {
        let endpoints = try Endpoints(profile, implementation: implementation)
        let ssrcs: [UInt32] = [0x1111_1111, 0x2222_2222, 0x3333_3333]
        // 65000 then steps of 100 cross the wrap three times (ROC 0 -> 3) without leaving the estimate's range.
        var sequence: UInt16 = 65_000
        for step in 0..<2000 {
            for (offset, ssrc) in ssrcs.enumerated() {
                let packet = Packets.rtp(sequence: sequence &+ UInt16(offset), ssrc: ssrc,
                                         payload: Array(repeating: UInt8(step & 0xff), count: 40))
                let ours = try endpoints.ours.protectRTP(packet)
                let reference = try endpoints.reference.protectRTP(packet)
                #expect(ours == reference)
                #expect(try endpoints.referenceReceiver.unprotectRTP(ours) == packet)
                #expect(try endpoints.ourReceiver.unprotectRTP(reference) == packet)
            }
            sequence &+= 100
        }
    }

    /// The same deliveries (reordered within the window, late, duplicated, too old, tampered, across a rollover)
    /// get the same verdict from our receiver and the reference, whichever implementation protected them.
    @Test(arguments: Packets.Variant.all, [false, true])
    func receiversDecideAlike(variant: Packets.Variant, referenceProtects: Bool) throws {
        let (profile, implementation) = (variant.profile, variant.implementation)
        let endpoints = try Endpoints(profile, implementation: implementation, replayWindow: 64)
        let protect: ([UInt8]) throws -> [UInt8] = referenceProtects
            ? { try endpoints.reference.protectRTP($0) } : { try endpoints.ours.protectRTP($0) }
        let first: UInt16 = 65_400
        let protected = try (0..<400).map { try protect(Packets.rtp(sequence: first &+ UInt16($0), ssrc: 0xFEED)) }
        var deliveries: [[UInt8]] = []
        // Blocks of 8 delivered backwards: out of order within the window.
        for block in stride(from: 0, to: 200, by: 8) { deliveries += protected[block..<(block + 8)].reversed() }
        deliveries += [protected[150], protected[199], protected[140]]  // replays inside the window
        deliveries += protected[260..<300]
        deliveries += [protected[100], protected[230], protected[236], protected[230]]  // too old, late, late, replay
        for index in [300, 301, 302] {
            var header = protected[index]; header[1] ^= 0x01  // payload type: header is authenticated
            var payload = protected[index]; payload[40] ^= 0x80
            var tag = protected[index]; tag[tag.count - 1] ^= 0x01
            deliveries += [header, payload, tag, protected[index]]
        }
        deliveries.append(Array(protected[303].prefix(profile.rtpOverhead + 11)))  // shorter than a header and tag

        for (number, delivery) in deliveries.enumerated() {
            let ours = Result { () throws(SRTPError) in try endpoints.ourReceiver.unprotectRTP(delivery) }
            let reference = Result { () throws(SRTPError) in try endpoints.referenceReceiver.unprotectRTP(delivery) }
            #expect(ours == reference, "delivery \(number)")
        }
        // The verdicts are not all alike by accident: the right ones were refused, for the right reasons.
        let fresh = try SRTPReceiver(key: Packets.key(profile, seed: 7), profile: profile, replayWindow: 64,
                                     implementation: implementation)
        _ = try fresh.unprotectRTP(protected[100])
        _ = try fresh.unprotectRTP(protected[200])
        #expect(throws: SRTPError.replayed) { try fresh.unprotectRTP(protected[200]) }
        #expect(throws: SRTPError.tooOld) { try fresh.unprotectRTP(protected[100]) }
        #expect(try fresh.unprotectRTP(protected[199]) == Packets.rtp(sequence: first &+ 199, ssrc: 0xFEED))
    }

    /// A packet changed anywhere (header, CSRC, extension, payload, tag) is refused as unauthenticated by both
    /// receivers, whichever side protected it, and does not disturb the next genuine packet.
    @Test(arguments: SRTPProtectionProfile.allCases, SRTPCipherImplementation.allCases)
    func tamperingRejectedBothWays(profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation) throws {
        let endpoints = try Endpoints(profile, implementation: implementation)
        let packet = Packets.rtp(sequence: 9, ssrc: 0xABCD, csrcs: [0x0101_0101], extensionWords: 2, padding: 2)
        for (protect, unprotect) in [
            ({ try endpoints.ours.protectRTP($0) }, { try endpoints.referenceReceiver.unprotectRTP($0) }),
            ({ try endpoints.reference.protectRTP($0) }, { try endpoints.ourReceiver.unprotectRTP($0) }),
        ] as [(([UInt8]) throws -> [UInt8], ([UInt8]) throws -> [UInt8])] {
            let protected = try protect(packet)
            for index in [1, 5, 12, 17, 24, 30, protected.count - profile.rtpOverhead, protected.count - 1] {
                var tampered = protected
                tampered[index] ^= 0x04
                #expect(throws: SRTPError.authenticationFailed, "byte \(index)") { try unprotect(tampered) }
            }
            #expect(try unprotect(protected) == packet)
        }
    }

    /// A receiver with another key refuses what either implementation protected.
    @Test(arguments: SRTPProtectionProfile.allCases, SRTPCipherImplementation.allCases)
    func wrongKeyBothWays(profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation) throws {
        let endpoints = try Endpoints(profile, implementation: implementation, seed: 1)
        let otherKey = Packets.key(profile, seed: 2)
        let ourReceiver = try SRTPReceiver(key: otherKey, profile: profile, implementation: implementation)
        let referenceReceiver = try ReferenceSRTPReceiver(key: otherKey, profile: profile)
        let packet = Packets.rtp(sequence: 1)
        #expect(throws: SRTPError.authenticationFailed) { try ourReceiver.unprotectRTP(endpoints.reference.protectRTP(packet)) }
        #expect(throws: SRTPError.authenticationFailed) { try referenceReceiver.unprotectRTP(endpoints.ours.protectRTP(packet)) }
        let report = Packets.senderReport()
        #expect(throws: SRTPError.authenticationFailed) { try ourReceiver.unprotectRTCP(endpoints.reference.protectRTCP(report)) }
        #expect(throws: SRTPError.authenticationFailed) { try referenceReceiver.unprotectRTCP(endpoints.ours.protectRTCP(report)) }
    }

    /// SRTCP crosses both ways for several SSRCs, compound packets included; replays and tampering are refused by
    /// both receivers alike. (libsrtp2 numbers its first SRTCP packet 1, RFC 3711 section 3.4 and we 0, so the
    /// bytes differ in the index and the tag.)
    @Test(arguments: SRTPProtectionProfile.allCases, SRTPCipherImplementation.allCases)
    func srtcpBothWays(profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation) throws {
        let endpoints = try Endpoints(profile, implementation: implementation)
        var ours: [[UInt8]] = []
        var reference: [[UInt8]] = []
        for count in UInt32(1)...40 {
            for ssrc: UInt32 in [0x51, 0x52] {
                let report = count.isMultiple(of: 2) ? Packets.compound(ssrc: ssrc, packets: count)
                                                     : Packets.senderReport(ssrc: ssrc, packets: count)
                let fromOurs = try endpoints.ours.protectRTCP(report)
                let fromReference = try endpoints.reference.protectRTCP(report)
                #expect(fromOurs.count == report.count + profile.rtcpOverhead)
                #expect(fromOurs.count == fromReference.count)
                #expect(try endpoints.referenceReceiver.unprotectRTCP(fromOurs) == report)
                #expect(try endpoints.ourReceiver.unprotectRTCP(fromReference) == report)
                ours.append(fromOurs)
                reference.append(fromReference)
            }
        }
        #expect(throws: SRTPError.replayed) { try endpoints.referenceReceiver.unprotectRTCP(ours[10]) }
        #expect(throws: SRTPError.replayed) { try endpoints.ourReceiver.unprotectRTCP(reference[10]) }
        // Packets not delivered yet, so that a refusal can only come from authentication.
        let report = Packets.compound(ssrc: 0x52, packets: 99)
        let nextOurs = try endpoints.ours.protectRTCP(report)
        let nextReference = try endpoints.reference.protectRTCP(report)
        for index in [0, 4, 9, 20, nextOurs.count - profile.rtcpOverhead, nextOurs.count - 1] {
            var tampered = nextOurs
            tampered[index] ^= 0x10
            #expect(throws: SRTPError.authenticationFailed) { try endpoints.referenceReceiver.unprotectRTCP(tampered) }
            var tamperedReference = nextReference
            tamperedReference[index] ^= 0x10
            #expect(throws: SRTPError.authenticationFailed) { try endpoints.ourReceiver.unprotectRTCP(tamperedReference) }
        }
        #expect(try endpoints.referenceReceiver.unprotectRTCP(nextOurs) == report)
        #expect(try endpoints.ourReceiver.unprotectRTCP(nextReference) == report)
    }

    /// SRTCP sent authenticated only (E flag clear, RFC 3711 section 3.4; RFC 7714 section 9.2) by the reference
    /// is accepted by our receiver, still in the clear, and refused when altered.
    @Test(arguments: SRTPProtectionProfile.allCases, SRTPCipherImplementation.allCases)
    func unencryptedSRTCP(profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation) throws {
        let key = Packets.key(profile, seed: 3)
        let sender = try ReferenceSRTPSender(key: key, profile: profile, encryptRTCP: false)
        let receiver = try SRTPReceiver(key: key, profile: profile, implementation: implementation)
        let report = Packets.compound(ssrc: 0x77, packets: 5)
        let protected = try sender.protectRTCP(report)
        #expect(Array(protected.prefix(report.count)) == report, "the body stays in the clear")
        var tampered = protected
        tampered[20] ^= 0x01
        #expect(throws: SRTPError.authenticationFailed) { try receiver.unprotectRTCP(tampered) }
        #expect(try receiver.unprotectRTCP(protected) == report)
    }

    /// The reference side of the oracle works: its own sender and receiver agree, so a disagreement above is ours.
    @Test(arguments: SRTPProtectionProfile.allCases, SRTPCipherImplementation.allCases)
    func referenceRoundTrip(profile: SRTPProtectionProfile, implementation: SRTPCipherImplementation) throws {
        let endpoints = try Endpoints(profile, implementation: implementation)
        let packet = Packets.rtp(sequence: 3)
        #expect(try endpoints.referenceReceiver.unprotectRTP(endpoints.reference.protectRTP(packet)) == packet)
    }
}
