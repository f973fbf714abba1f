import Testing
@testable import RTP

private let start = ContinuousClock.now
private let outputSSRC: UInt32 = 0x0B0B_0B0B

/// A source as a camera sends it: its own SSRC, sequence and timestamp origin, 30 frames/s of 90 kHz video.
private struct Source {
    let ssrc: UInt32
    var sequence: UInt16
    var timestamp: UInt32
    var payloadType: UInt8 = 96

    /// The next packet, as bytes, with its header.
    mutating func next(newFrame: Bool = true) -> [UInt8] {
        defer { sequence &+= 1 }
        if newFrame { timestamp &+= 3000 }
        return rtpPacket(sequence: sequence, timestamp: timestamp, ssrc: ssrc, payloadType: payloadType)
    }
}

private struct Output: Equatable {
    var sequence: UInt16
    var timestamp: UInt32
    var ssrc: UInt32
    var payloadType: UInt8
}

/// Offers one packet to the rewriter; the rewritten header when forwarded.
private func offer(_ bytes: [UInt8], to rewriter: inout RTPRewriter, at now: ContinuousClock.Instant)
    -> (RTPRewriteOutcome, Output?) {
    var packet = bytes
    let header = packet.withUnsafeBytes { RTPHeader($0)! }
    let outcome = packet.withUnsafeMutableBytes { rewriter.rewrite($0, header: header, now: now) }
    guard case .forward = outcome else {
        #expect(packet == bytes, "a dropped packet is left untouched")
        return (outcome, nil)
    }
    let out = packet.withUnsafeBytes { RTPHeader($0)! }
    #expect(Array(packet[out.payloadRange]) == Array(bytes[header.payloadRange]))
    return (outcome, Output(sequence: out.sequenceNumber, timestamp: out.timestamp, ssrc: out.ssrc,
                            payloadType: out.payloadType))
}

/// Two interleaved sources switched back and forth: the output runs on one SSRC with sequence numbers exactly +1
/// and timestamps that only grow, each switch advancing the timestamp by the wall-clock time since the last packet.
@Test func switchingKeepsTheOutputContinuous() {
    var rewriter = RTPRewriter(outputSSRC: outputSSRC, clockRate: 90000, waitsForKeyframe: false,
                               initialSequence: 65530, initialTimestamp: 0xFFFF_F000)
    var a = Source(ssrc: 0xA, sequence: 40000, timestamp: 123_456)
    var b = Source(ssrc: 0xB, sequence: 100, timestamp: 0xFFFF_FF00)
    var outputs: [Output] = []
    var firsts = 0
    var now = start
    for round in 0..<6 {
        rewriter.select(source: round.isMultiple(of: 2) ? a.ssrc : b.ssrc)
        for _ in 0..<10 {
            now = now.advanced(by: .milliseconds(33))
            for bytes in [a.next(), b.next()] {
                let (outcome, output) = offer(bytes, to: &rewriter, at: now)
                if case .forward(let first) = outcome, let output {
                    outputs.append(output)
                    if first { firsts += 1 }
                } else {
                    #expect(outcome == .drop(.notSelected))
                }
            }
        }
    }
    #expect(outputs.count == 60 && firsts == 6)
    #expect(outputs.first?.sequence == 65530 && outputs.first?.timestamp == 0xFFFF_F000)
    #expect(outputs.allSatisfy { $0.ssrc == outputSSRC && $0.payloadType == 96 })
    for (previous, next) in zip(outputs, outputs.dropFirst()) {
        #expect(next.sequence == previous.sequence &+ 1)
        let step = Int32(bitPattern: next.timestamp &- previous.timestamp)
        #expect(step > 0)
        // Within a source the spacing is the source's; across a switch the packets are 0 or 33 ms apart in time.
        #expect(step == 3000 || step == 2970 || step == 1, "step \(step)")
    }
}

/// A switch waits for the new source's keyframe: its packets are dropped until the caller reports one, and the
/// old source is no longer forwarded meanwhile.
@Test func switchWaitsForKeyframe() throws {
    var rewriter = RTPRewriter(outputSSRC: outputSSRC, clockRate: 90000, waitsForKeyframe: true,
                               initialSequence: 1, initialTimestamp: 1000)
    var a = Source(ssrc: 0xA, sequence: 5, timestamp: 0)
    var b = Source(ssrc: 0xB, sequence: 9000, timestamp: 0)
    rewriter.select(source: a.ssrc)
    #expect(rewriter.waitingForKeyframe)
    #expect(offer(a.next(), to: &rewriter, at: start).0 == .drop(.waitingForKeyframe))
    rewriter.keyframeArrived()
    #expect(offer(a.next(), to: &rewriter, at: start).0 == .forward(firstAfterSwitch: true))
    #expect(offer(a.next(), to: &rewriter, at: start).0 == .forward(firstAfterSwitch: false))
    rewriter.select(source: b.ssrc)
    #expect(offer(a.next(), to: &rewriter, at: start).0 == .drop(.notSelected))
    #expect(offer(b.next(), to: &rewriter, at: start).0 == .drop(.waitingForKeyframe))
    rewriter.keyframeArrived()
    let (outcome, output) = offer(b.next(), to: &rewriter, at: start.advanced(by: .milliseconds(100)))
    #expect(outcome == .forward(firstAfterSwitch: true) && rewriter.packetsSinceSwitch == 1)
    #expect(output?.sequence == 3)  // 1, 2 from A, then 3
    let timestamp = try #require(output?.timestamp)
    #expect(timestamp == 1000 + 3000 + 9000, "\(timestamp)")  // A's second frame, then 100 ms at 90 kHz
}

/// Reordering within the source passes through, duplicates and packets from before the switch are dropped, so the
/// output never repeats a sequence number nor goes back before the switch.
@Test func reorderAndDuplicatesWithinSource() {
    var rewriter = RTPRewriter(outputSSRC: outputSSRC, clockRate: 48000, waitsForKeyframe: false,
                               initialSequence: 500, initialTimestamp: 0)
    rewriter.select(source: 0xA)
    func send(_ sequence: UInt16) -> (RTPRewriteOutcome, UInt16?) {
        let (outcome, output) = offer(rtpPacket(sequence: sequence, timestamp: UInt32(sequence) * 960, ssrc: 0xA),
                                      to: &rewriter, at: start)
        return (outcome, output?.sequence)
    }
    #expect(send(10).1 == 500)
    #expect(send(12).1 == 502)  // 11 lost upstream: the gap is the source's, the receiver may NACK it
    #expect(send(11).1 == 501)  // late: fills the gap
    #expect(send(11).0 == .drop(.duplicate))
    #expect(send(12).0 == .drop(.duplicate))
    #expect(send(9).0 == .drop(.precedesSwitch))
    #expect(send(13).1 == 503)
    #expect(send(13 &+ 100).1 == 603)
    #expect(send(13).0 == .drop(.tooOld))
    #expect(rewriter.sourceSequence(forOutput: 501) == 11)
    // Across the source's own sequence wrap.
    var wrapping = RTPRewriter(outputSSRC: 1, clockRate: 48000, waitsForKeyframe: false, initialSequence: 0,
                               initialTimestamp: 0)
    wrapping.select(source: 0xA)
    var outputs: [UInt16] = []
    for sequence: UInt16 in [65534, 65535, 1, 0, 2] {
        let (_, output) = offer(rtpPacket(sequence: sequence, ssrc: 0xA), to: &wrapping, at: start)
        outputs.append(output?.sequence ?? 9999)
    }
    #expect(outputs == [0, 1, 3, 2, 4])
}

/// Payload types are renumbered per selected source; the marker bit stays.
@Test func remapsPayloadTypes() {
    var rewriter = RTPRewriter(outputSSRC: outputSSRC, clockRate: 90000, waitsForKeyframe: false,
                               initialSequence: 0, initialTimestamp: 0)
    rewriter.select(source: 0xA, payloadTypes: RTPPayloadTypeMap([100: 96, 101: 97]))
    var packet = rtpPacket(sequence: 1, ssrc: 0xA, payloadType: 100, marker: true)
    let header = packet.withUnsafeBytes { RTPHeader($0)! }
    _ = packet.withUnsafeMutableBytes { rewriter.rewrite($0, header: header, now: start) }
    let out = packet.withUnsafeBytes { RTPHeader($0)! }
    #expect(out.payloadType == 96 && out.marker)
    #expect(RTPPayloadTypeMap.identity[111] == 111 && RTPPayloadTypeMap([1: 2])[3] == 3)
}

/// A source's SR becomes the output stream's: its SSRC, timestamp offset and counts (RFC 3550 section 6.4.1).
@Test func translatesSenderReport() {
    var rewriter = RTPRewriter(outputSSRC: outputSSRC, clockRate: 90000, waitsForKeyframe: false,
                               initialSequence: 0, initialTimestamp: 50_000)
    let report = RTCPSenderReport(ssrc: 0xA, ntpTimestamp: 0xE000_0000_8000_0000, rtpTimestamp: 10_500,
                                  packetCount: 999, octetCount: 99999,
                                  reportBlocks: [RTCPReportBlock(ssrc: 0x77)])
    rewriter.select(source: 0xA)
    #expect(rewriter.translate(report) == nil)  // nothing sent yet
    _ = offer(rtpPacket(sequence: 1, timestamp: 10_000, ssrc: 0xA, payload: [1, 2, 3]), to: &rewriter, at: start)
    let translated = rewriter.translate(report)
    #expect(translated == RTCPSenderReport(ssrc: outputSSRC, ntpTimestamp: 0xE000_0000_8000_0000,
                                           rtpTimestamp: 50_500, packetCount: 1, octetCount: 3))
    #expect(rewriter.translate(RTCPSenderReport(ssrc: 0xB, ntpTimestamp: 0, rtpTimestamp: 0, packetCount: 0,
                                                octetCount: 0)) == nil)
}

/// A receiver's NACK and PLI on the output stream reach the current source in its own numbering; losses from
/// before the switch (another source's packets) are left out.
@Test func translatesFeedbackToTheCurrentSource() throws {
    var rewriter = RTPRewriter(outputSSRC: outputSSRC, clockRate: 90000, waitsForKeyframe: false,
                               initialSequence: 100, initialTimestamp: 0)
    rewriter.select(source: 0xA)
    for sequence: UInt16 in 1...5 { _ = offer(rtpPacket(sequence: sequence, ssrc: 0xA), to: &rewriter, at: start) }
    rewriter.select(source: 0xB)
    for sequence: UInt16 in 65534...65535 { _ = offer(rtpPacket(sequence: sequence, ssrc: 0xB), to: &rewriter, at: start) }
    _ = offer(rtpPacket(sequence: 2, ssrc: 0xB), to: &rewriter, at: start)
    // Output: A's 1-5 as 100-104, B's 65534, 65535 as 105, 106 and B's 2 as 109 (B's 0 and 1, 107 and 108, lost).
    let nack = RTCPGenericNACK(senderSSRC: 0x5E, mediaSSRC: outputSSRC, lost: [103, 107])
    let result = rewriter.translate(nack, senderSSRC: 0xB1D6E)
    let translated = try #require(result)
    #expect(translated.mediaSSRC == 0xB && translated.senderSSRC == 0xB1D6E)
    #expect(translated.lostSequenceNumbers == [0])
    let before = rewriter.translate(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: outputSSRC, lost: [104]), senderSSRC: 2)
    #expect(before == nil)
    let other = rewriter.translate(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 0x999, lost: [107]), senderSSRC: 2)
    #expect(other == nil)
    let pli = rewriter.translate(RTCPPictureLossIndication(senderSSRC: 0x5E, mediaSSRC: outputSSRC), senderSSRC: 7)
    #expect(pli == RTCPPictureLossIndication(senderSSRC: 7, mediaSSRC: 0xB))
}

/// A packet the receiver NACKed was forwarded already; the source's retransmission of it passes once, under the
/// same output sequence number, and a second copy is a duplicate again.
@Test func nackedPacketRetransmissionPassesOnce() throws {
    var rewriter = RTPRewriter(outputSSRC: outputSSRC, clockRate: 90000, waitsForKeyframe: false,
                               initialSequence: 500, initialTimestamp: 0)
    rewriter.select(source: 0xA)
    for sequence: UInt16 in 10...14 { _ = offer(rtpPacket(sequence: sequence, ssrc: 0xA), to: &rewriter, at: start) }
    // Output 500...504. Before any NACK, a copy of 12 and of 14 (the newest) are duplicates.
    #expect(offer(rtpPacket(sequence: 12, ssrc: 0xA), to: &rewriter, at: start).1 == nil)
    #expect(offer(rtpPacket(sequence: 14, ssrc: 0xA), to: &rewriter, at: start).1 == nil)
    let nack = RTCPGenericNACK(senderSSRC: 0x5E, mediaSSRC: outputSSRC, lost: [502, 504])
    let result = rewriter.translate(nack, senderSSRC: 1)
    let translated = try #require(result)
    #expect(translated.lostSequenceNumbers == [12, 14])
    for (source, output) in [(UInt16(12), UInt16(502)), (14, 504)] {
        let (outcome, forwarded) = offer(rtpPacket(sequence: source, ssrc: 0xA), to: &rewriter, at: start)
        #expect(forwarded?.sequence == output)
        #expect(outcome == .forward(firstAfterSwitch: false))
        #expect(offer(rtpPacket(sequence: source, ssrc: 0xA), to: &rewriter, at: start).1 == nil)
    }
    // The stream goes on where it was.
    #expect(offer(rtpPacket(sequence: 15, ssrc: 0xA), to: &rewriter, at: start).1?.sequence == 505)
}
