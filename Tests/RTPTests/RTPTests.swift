import Testing
@testable import RTP

private func packet(sequence: UInt16, timestamp: UInt32, ssrc: UInt32 = 0x1234_5678, payloadType: UInt8 = 111,
                    marker: Bool = false, csrcs: Int = 0, extensionWords: Int? = nil, payload: Int = 20,
                    padding: Int = 0) -> [UInt8] {
    var bytes: [UInt8] = [0x80 | (padding > 0 ? 0x20 : 0) | (extensionWords != nil ? 0x10 : 0) | UInt8(csrcs),
                          (marker ? 0x80 : 0) | payloadType, UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
    for shift in [24, 16, 8, 0] { bytes.append(UInt8(timestamp >> UInt32(shift) & 0xFF)) }
    for shift in [24, 16, 8, 0] { bytes.append(UInt8(ssrc >> UInt32(shift) & 0xFF)) }
    bytes += [UInt8](repeating: 0xCC, count: 4 * csrcs)
    if let words = extensionWords { bytes += [0xBE, 0xDE, 0, UInt8(words)] + [UInt8](repeating: 0, count: 4 * words) }
    bytes += [UInt8](repeating: 0xAB, count: payload)
    if padding > 0 { bytes += [UInt8](repeating: 0, count: padding - 1) + [UInt8(padding)] }
    return bytes
}

/// The header reader finds the fields, the extension and the payload without padding.
@Test func parsesHeaderExtensionAndPadding() throws {
    let bytes = packet(sequence: 65535, timestamp: 0xDEAD_BEEF, marker: true, csrcs: 2, extensionWords: 1,
                       payload: 10, padding: 4)
    let header = try #require(bytes.withUnsafeBytes { RTPHeader($0) })
    #expect(header.marker && header.payloadType == 111 && header.sequenceNumber == 65535)
    #expect(header.timestamp == 0xDEAD_BEEF && header.ssrc == 0x1234_5678 && header.csrcCount == 2)
    #expect(header.extensionProfile == 0xBEDE && header.extensionRange == 24..<28)
    #expect(header.payloadRange == 28..<38)
}

/// Lengths that overrun the datagram are refused, never read past.
@Test func refusesOverrunningHeaders() {
    var truncated = packet(sequence: 1, timestamp: 1, csrcs: 3, payload: 0)
    truncated.removeLast(5)
    var badExtension = packet(sequence: 1, timestamp: 1, extensionWords: 1, payload: 0)
    badExtension[15] = 200
    var badPadding = packet(sequence: 1, timestamp: 1, payload: 2, padding: 1)
    badPadding[badPadding.count - 1] = 90
    var version1 = packet(sequence: 1, timestamp: 1)
    version1[0] = 0x40
    for bytes: [UInt8] in [truncated, badExtension, badPadding, version1, [0x80, 0, 0]] {
        #expect(bytes.withUnsafeBytes { RTPHeader($0) } == nil)
    }
}

/// RTCP on a muxed port is told apart by the second octet (RFC 5761 section 4).
@Test func tellsRTCPFromRTP() {
    #expect(([0x80, 200, 0, 6] as [UInt8]).withUnsafeBytes { RTPHeader.isRTCP($0) })
    #expect(([0x81, 201, 0, 7] as [UInt8]).withUnsafeBytes { RTPHeader.isRTCP($0) })
    #expect(!([0x80, 111, 0, 1] as [UInt8]).withUnsafeBytes { RTPHeader.isRTCP($0) })
    #expect(!([0x80, 0xE0, 0, 1] as [UInt8]).withUnsafeBytes { RTPHeader.isRTCP($0) })  // marker + PT 96
}

/// Loss counts the gaps across a sequence wrap; a duplicate does not hide a loss.
@Test func countsLossAcrossWrap() {
    var stats = ReceptionStatistics(ssrc: 1)
    var sequence: UInt16 = 65530
    for index in 0..<20 {
        defer { sequence &+= 1 }
        if index == 5 || index == 12 { continue }  // two lost, one of them after the wrap
        stats.record(sequenceNumber: sequence, timestamp: UInt32(index * 960), payloadType: 111, payloadBytes: 100,
                     wireBytes: 130, arrival: Int64(index * 960))
    }
    #expect(stats.packets == 18 && stats.expected == 20 && stats.lost == 2)
    #expect(stats.extendedHighestSequence == 65536 + 13)
    #expect(stats.payloadBytes == 1800 && stats.wireBytes == 2340)
    #expect(stats.jitter == 0)
}

/// Arrival times that wobble against the timestamps give non-zero jitter of the right size (RFC 3550 6.4.1).
@Test func estimatesJitter() {
    var stats = ReceptionStatistics(ssrc: 1)
    for index in 0..<200 {
        let wobble: Int64 = index.isMultiple(of: 2) ? 0 : 160
        stats.record(sequenceNumber: UInt16(index), timestamp: UInt32(index * 160), payloadType: 0, payloadBytes: 160,
                     wireBytes: 172, arrival: Int64(index * 160) + wobble)
    }
    // Every transit difference is 160, so the estimate converges to 160.
    #expect((150...160).contains(stats.jitter))
}

/// A source that restarts its sequence far away is followed after two consecutive packets (RFC 3550 A.1).
@Test func followsASequenceRestart() {
    var stats = ReceptionStatistics(ssrc: 1)
    for sequence: UInt16 in 100..<110 {
        stats.record(sequenceNumber: sequence, timestamp: 0, payloadType: 0, payloadBytes: 1, wireBytes: 1, arrival: 0)
    }
    stats.record(sequenceNumber: 40000, timestamp: 0, payloadType: 0, payloadBytes: 1, wireBytes: 1, arrival: 0)
    #expect(stats.packets == 10)  // one far packet is not believed yet
    stats.record(sequenceNumber: 40001, timestamp: 0, payloadType: 0, payloadBytes: 1, wireBytes: 1, arrival: 0)
    stats.record(sequenceNumber: 40002, timestamp: 0, payloadType: 0, payloadBytes: 1, wireBytes: 1, arrival: 0)
    #expect(stats.lost == 0 && stats.packets == 2)
}
