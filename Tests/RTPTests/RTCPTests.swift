import Testing
@testable import RTP

private func parse(_ bytes: [UInt8]) throws(RTCPError) -> [RTCPPacket] {
    let result = bytes.withUnsafeBytes { raw in Result { () throws(RTCPError) in try RTCPPacket.parseCompound(raw) } }
    return try result.get()
}

/// Serializes into a buffer of exactly `serializedLength` bytes (so any overrun would trap) and parses back.
private func roundTrip(_ packet: RTCPPacket) throws -> [UInt8] {
    let length = try #require(packet.serializedLength)
    var bytes = [UInt8](repeating: 0xEE, count: length)
    let end = try bytes.withUnsafeMutableBytes { buffer in try packet.serialize(into: buffer) }
    #expect(end == length)
    #expect(length % 4 == 0)
    #expect(try parse(bytes) == [packet])
    return bytes
}

private let block = RTCPReportBlock(ssrc: 0x8765_4321, fractionLost: 10, cumulativeLost: -3,
                                    extendedHighestSequence: 66536, jitter: 32, lastSenderReport: 0x4B2C_8000,
                                    delaySinceLastSenderReport: 0x18000)

/// Every RTCP type this module writes parses back to the same value, and takes exactly its announced length.
@Test func everyTypeRoundTrips() throws {
    let packets: [RTCPPacket] = [
        .senderReport(RTCPSenderReport(ssrc: 1, ntpTimestamp: 0xE94B_2C80_4000_0000, rtpTimestamp: 120_000,
                                       packetCount: 300, octetCount: 46240, reportBlocks: [block, block])),
        .senderReport(RTCPSenderReport(ssrc: 1, ntpTimestamp: 0, rtpTimestamp: 0, packetCount: 0, octetCount: 0)),
        .receiverReport(RTCPReceiverReport(ssrc: 2, reportBlocks: [block])),
        .receiverReport(RTCPReceiverReport(ssrc: 2)),
        .sourceDescription(RTCPSourceDescription(source: 3, canonicalName: "user@example.com", captureID: "VC1")),
        .sourceDescription(RTCPSourceDescription(chunks: [
            .init(source: 4, items: [.init(type: 1, text: "abcd")]),  // items end on a word: four nulls
            .init(source: 5, items: []),
            .init(source: 6, items: [.init(type: RTCPSourceDescription.Item.captureID, text: "-"),
                                     .init(type: 8, value: [])]),
        ])),
        .goodbye(RTCPGoodbye(sources: [7, 8])),
        .goodbye(RTCPGoodbye(sources: [9], reason: "left the conference")),
        .goodbye(RTCPGoodbye(sources: [], reason: "")),
        .genericNACK(RTCPGenericNACK(senderSSRC: 10, mediaSSRC: 11,
                                     entries: [.init(packetID: 65535, lostBitmask: 0x8001)])),
        .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 12, mediaSSRC: 13)),
        .fullIntraRequest(RTCPFullIntraRequest(senderSSRC: 14, entries: [.init(ssrc: 15, sequenceNumber: 255),
                                                                         .init(ssrc: 16, sequenceNumber: 0)])),
    ]
    for packet in packets { _ = try roundTrip(packet) }
}

/// An SR with one report block, an SDES CNAME and a PLI, as a sender puts them in one datagram, laid out by hand
/// from the diagrams of RFC 3550 sections 6.4.1 and 6.5 and RFC 4585 section 6.3.1.
@Test func parsesHandBuiltCompound() throws {
    let bytes: [UInt8] = [
        0x81, 0xC8, 0x00, 0x0C,  // SR, RC=1, 13 words
        0x12, 0x34, 0x56, 0x78,  // SSRC of sender
        0xE9, 0x4B, 0x2C, 0x80, 0x40, 0x00, 0x00, 0x00,  // NTP: 2023-12-31, .25 s
        0x00, 0x01, 0xD4, 0xC0,  // RTP timestamp 120000
        0x00, 0x00, 0x01, 0x2C,  // 300 packets
        0x00, 0x00, 0xB4, 0xA0,  // 46240 octets
        0x87, 0x65, 0x43, 0x21,  // report block: SSRC_1
        0x0A, 0xFF, 0xFF, 0xFD,  // fraction 10/256, cumulative -3 (duplicates)
        0x00, 0x01, 0x03, 0xE8,  // extended highest sequence 66536
        0x00, 0x00, 0x00, 0x20,  // jitter 32
        0x4B, 0x2C, 0x80, 0x00,  // LSR
        0x00, 0x01, 0x80, 0x00,  // DLSR 1.5 s
        0x81, 0xCA, 0x00, 0x06,  // SDES, SC=1, 7 words
        0x12, 0x34, 0x56, 0x78,
        0x01, 0x10] + Array("user@example.com".utf8) + [0x00, 0x00,  // CNAME, then two nulls to the word
        0x81, 0xCE, 0x00, 0x02,  // PSFB FMT=1 (PLI), 3 words
        0x12, 0x34, 0x56, 0x78, 0x87, 0x65, 0x43, 0x21,
    ]
    let packets = try parse(bytes)
    #expect(packets.count == 3)
    guard case .senderReport(let report) = packets[0], case .sourceDescription(let description) = packets[1],
          case .pictureLossIndication(let pli) = packets[2] else {
        Issue.record("unexpected packets \(packets)")
        return
    }
    #expect(report.ssrc == 0x1234_5678 && report.ntpTimestamp == 0xE94B_2C80_4000_0000)
    #expect(report.compactNTPTimestamp == 0x2C80_4000)
    #expect(report.rtpTimestamp == 120_000 && report.packetCount == 300 && report.octetCount == 46240)
    #expect(report.reportBlocks == [block])
    #expect(description.chunks.count == 1 && description.chunks[0].source == 0x1234_5678)
    #expect(description.chunks[0].item(RTCPSourceDescription.Item.canonicalName)?.text == "user@example.com")
    #expect(pli == RTCPPictureLossIndication(senderSSRC: 0x1234_5678, mediaSSRC: 0x8765_4321))

    // Written back packet by packet, the datagram is the same bytes.
    var written = [UInt8](repeating: 0, count: bytes.count)
    let end = try written.withUnsafeMutableBytes { buffer in
        var offset = 0
        for packet in packets { offset = try packet.serialize(into: buffer, at: offset) }
        return offset
    }
    #expect(end == bytes.count && written == bytes)
}

/// Unknown types (APP, XR, REMB) are stepped over; padding on the last packet is removed (RFC 3550 6.4.1).
@Test func skipsUnknownPacketsAndPadding() throws {
    let app: [UInt8] = [0x80, 0xCC, 0x00, 0x02, 0, 0, 0, 1] + Array("NAME".utf8)
    let paddedBye: [UInt8] = [0xA1, 0xCB, 0x00, 0x02, 0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x00, 0x00, 0x04]
    let packets = try parse(app + paddedBye)
    #expect(packets == [.other(packetType: 204, count: 0, range: 0..<12), .goodbye(RTCPGoodbye(sources: [0xDEAD_BEEF]))])
}

/// Framing errors are reported, never read past: a short header, a length beyond the datagram, another version,
/// padding larger than the packet, a body shorter than its type needs.
@Test func refusesBrokenFraming() {
    #expect(throws: RTCPError.truncated) { try parse([0x80, 0xC9, 0x00]) }
    #expect(throws: RTCPError.truncated) { try parse([0x80, 0xC9, 0x00, 0x07, 0, 0, 0, 1]) }
    #expect(throws: RTCPError.badVersion) { try parse([0x40, 0xC9, 0x00, 0x01, 0, 0, 0, 1]) }
    #expect(throws: RTCPError.badPadding) { try parse([0xA0, 0xC9, 0x00, 0x01, 0, 0, 0, 9]) }
    #expect(throws: RTCPError.malformed(packetType: 201)) { try parse([0x81, 0xC9, 0x00, 0x01, 0, 0, 0, 1]) }
    #expect(throws: RTCPError.malformed(packetType: 202)) { try parse([0x81, 0xCA, 0x00, 0x01, 0, 0, 0, 1]) }
    #expect(throws: RTCPError.malformed(packetType: 205)) {
        try parse([0xA1, 0xCD, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 2])  // padding leaves half an FCI
    }
}

/// Building refuses a buffer that is too small without writing, and counts that do not fit five bits.
@Test func refusesSmallBuffersAndOverfullCounts() {
    var small = [UInt8](repeating: 0xEE, count: 11)
    #expect(throws: RTCPError.bufferTooSmall(required: 12)) {
        try small.withUnsafeMutableBytes { try RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 2).serialize(into: $0) }
    }
    #expect(small == [UInt8](repeating: 0xEE, count: 11))
    var large = [UInt8](repeating: 0, count: 2000)
    #expect(throws: RTCPError.tooManyEntries) {
        try large.withUnsafeMutableBytes {
            try RTCPReceiverReport(ssrc: 1, reportBlocks: Array(repeating: block, count: 32)).serialize(into: $0)
        }
    }
}

/// Lost sequence numbers pack into PID+BLP entries and unpack to the same list, across a wrap.
@Test func packsNACKEntries() {
    let lost: [UInt16] = [65530, 65531, 65535, 0, 10, 11, 30]
    let nack = RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 2, lost: lost)
    // 65531, 65535, 0 and 10 are 1, 5, 6 and 16 after 65530: bits 0, 4, 5 and 15.
    #expect(nack.entries == [.init(packetID: 65530, lostBitmask: 0x8031), .init(packetID: 11), .init(packetID: 30)])
    #expect(nack.lostSequenceNumbers == lost)
}

/// FIR command sequence numbers advance per media source and stay on a repetition (RFC 5104 section 4.3.1.1).
@Test func numbersFullIntraRequests() {
    var sequence = FullIntraRequestSequence()
    #expect(sequence.entry(for: 1).sequenceNumber == 0)
    #expect(sequence.entry(for: 1).sequenceNumber == 1)
    #expect(sequence.entry(for: 1, repeating: true).sequenceNumber == 1)
    #expect(sequence.entry(for: 2, repeating: true).sequenceNumber == 0)
    #expect(sequence.entry(for: 2).sequenceNumber == 1)
}

/// A receiver report block from the reception statistics: the fraction lost covers only the interval since the
/// previous report, and DLSR counts the time since the source's last SR in 1/65536 s (RFC 3550 A.3, 6.4.1).
@Test func buildsReportBlocksFromStatistics() throws {
    let start = ContinuousClock.now
    var stats = ReceptionStatistics(ssrc: 0xA)
    var interval = ReceptionReportInterval()
    for sequence: UInt16 in 0..<20 where sequence != 3 && sequence != 7 {
        stats.record(sequenceNumber: sequence, timestamp: UInt32(sequence) * 960, payloadType: 111, payloadBytes: 80,
                     wireBytes: 100, arrival: Int64(sequence) * 960)
    }
    let report = RTCPSenderReport(ssrc: 0xA, ntpTimestamp: 0xE94B_2C80_4000_0000, rtpTimestamp: 0, packetCount: 0,
                                  octetCount: 0)
    interval.senderReportReceived(report, now: start)
    let first = interval.reportBlock(for: stats, now: start.advanced(by: .milliseconds(1500)))
    #expect(first == RTCPReportBlock(ssrc: 0xA, fractionLost: 25, cumulativeLost: 2, extendedHighestSequence: 19,
                                     jitter: 0, lastSenderReport: 0x2C80_4000, delaySinceLastSenderReport: 0x18000))
    for sequence: UInt16 in 20..<30 {
        stats.record(sequenceNumber: sequence, timestamp: UInt32(sequence) * 960, payloadType: 111, payloadBytes: 80,
                     wireBytes: 100, arrival: Int64(sequence) * 960)
    }
    let second = interval.reportBlock(for: stats, now: start.advanced(by: .seconds(3)))
    #expect(second.fractionLost == 0 && second.cumulativeLost == 2 && second.extendedHighestSequence == 29)
    let bytes = try roundTrip(.receiverReport(RTCPReceiverReport(ssrc: 0xB, reportBlocks: [first, second])))
    #expect(bytes.count == 8 + 48)
}
