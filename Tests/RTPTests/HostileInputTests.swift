import Testing
@testable import RTP
import TestSupport

/// Feeds one datagram to every reader and in-place editor of the module; returns how many parsed as RTP.
private func exercise(_ bytes: [UInt8], rewriter: inout RTPRewriter, now: ContinuousClock.Instant) -> Bool {
    var parsedRTP = false
    bytes.withUnsafeBytes { raw in
        _ = RTPHeader.isRTCP(raw)
        _ = try? RTCPPacket.parseCompound(raw)
        _ = VideoKeyframe.isVP8Keyframe(raw)
        _ = VideoKeyframe.isH264Keyframe(raw)
        guard let header = RTPHeader(raw) else { return }
        parsedRTP = true
        if let extensions = RTPHeaderExtensions(raw, header: header) {
            for element in extensions { #expect(extensions.range.contains(element.range.lowerBound) || element.range.isEmpty) }
        }
        _ = AudioLevel(packet: raw, header: header, id: 1)
    }
    guard parsedRTP else { return false }
    var packet = PacketBuffer(bytes, capacity: bytes.count + 40)
    if (try? packet.setCaptureID("VC7", id: 3, mapping: RTPHeaderExtensionIDMap(renumbering: [1: 2, 5: 9]))) != nil {
        #expect(packet.elements.last.map { $0.0 == 3 && $0.1 == Array("VC7".utf8) } == true)
    }
    let header = packet.header!
    rewriter.select(source: header.ssrc)
    _ = packet.storage.withUnsafeMutableBytes { rewriter.rewrite($0, header: header, now: now) }
    return true
}

/// Random datagrams, and valid RTP and RTCP with random bytes flipped, never crash a reader or editor
/// (seeded: every run replays the same inputs).
@Test func hostileInputNeverCrashes() {
    var random = SplitMix64(seed: 0x5EED_C0DE)
    var rewriter = RTPRewriter(outputSSRC: 1, clockRate: 90000, waitsForKeyframe: false, initialSequence: 0,
                               initialTimestamp: 0)
    let seeds: [[UInt8]] = [
        rtpPacket(csrcs: [1, 2], extensionBlock: (0xBEDE, [0x10, 0x7F, 0x32, 0x41, 0x42, 0x43]), padding: 4),
        rtpPacket(extensionBlock: (0x1000, [0x05, 0x00, 0x20, 0x02, 0xAA, 0xBB])),
        [0x81, 0xC9, 0x00, 0x07, 0, 0, 0, 1] + [UInt8](repeating: 7, count: 24)
            + [0x81, 0xCA, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0x01, 0x41, 0x00],
        [0x81, 0xCE, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2, 0x84, 0xCE, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2,
         9, 0, 0, 0],
    ]
    var now = ContinuousClock.now
    var parsed = 0
    for round in 0..<8_000 {
        now = now.advanced(by: .milliseconds(1))
        var bytes: [UInt8]
        if round.isMultiple(of: 2) {
            bytes = (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            if !bytes.isEmpty && Bool.random(using: &random) { bytes[0] = 0x80 | bytes[0] & 0x3F }  // version 2
        } else {
            bytes = seeds[Int.random(in: 0..<seeds.count, using: &random)]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            if Bool.random(using: &random) { bytes.removeLast(Int.random(in: 0...bytes.count, using: &random)) }
        }
        if exercise(bytes, rewriter: &rewriter, now: now) { parsed += 1 }
    }
    #expect(parsed > 500)  // the mutations reach past the header checks
}
