import RTP
import Testing
@testable import Bridge

/// The ring that carries RTP payloads from the I/O queue to a room's mixing tick or a composition's frame tick.
@Suite struct PacketInboxTests {
    final class Source {}

    static func header(sequence: UInt16, timestamp: UInt32 = 0, marker: Bool = false) -> RTPHeader {
        var bytes: [UInt8] = [0x80, (marker ? 0x80 : 0) | 111, UInt8(sequence >> 8), UInt8(sequence & 0xFF)]
        bytes += [UInt8(timestamp >> 24), UInt8(timestamp >> 16 & 0xFF), UInt8(timestamp >> 8 & 0xFF),
                  UInt8(timestamp & 0xFF), 0xAB, 0xCD, 0xEF, 0x01]
        return bytes.withUnsafeBytes { RTPHeader($0)! }
    }

    /// Packets come out in order, with their payloads and header fields intact, across the ring's end; a full ring
    /// drops and counts, as does a payload larger than a slot, and a drained one takes packets again.
    @Test func keepsOrderWrapsAndDropsWhenFull() {
        let inbox = PacketInbox(capacity: 4, slotBytes: 16)
        let a = Source(), b = Source()
        var received: [(PacketInbox.Entry, [UInt8])] = []
        func drain() { inbox.drain { entry, payload in received.append((entry, Array(payload))) } }
        for round in 0..<3 {
            for index in 0..<3 {
                let payload: [UInt8] = [UInt8(round), UInt8(index), 0xAB]
                let header = Self.header(sequence: UInt16(round * 10 + index), timestamp: UInt32(round * 3000),
                                         marker: index == 2)
                let kept = payload.withUnsafeBytes {
                    inbox.put(from: ObjectIdentifier(index.isMultiple(of: 2) ? a : b), header: header, payload: $0,
                              level: index == 1 ? nil : UInt8(index))
                }
                #expect(kept)
            }
            drain()
        }
        #expect(received.map(\.0.sequenceNumber) == [0, 1, 2, 10, 11, 12, 20, 21, 22])
        #expect(received.map(\.1) == (0..<3).flatMap { round in (0..<3).map { [UInt8(round), UInt8($0), 0xAB] } })
        #expect(received[1].0.source == ObjectIdentifier(b) && received[2].0.source == ObjectIdentifier(a))
        #expect(received.map(\.0.level) == Array(repeating: [0, nil, 2] as [UInt8?], count: 3).flatMap { $0 })
        #expect(received.map(\.0.marker) == Array(repeating: [false, false, true], count: 3).flatMap { $0 })
        #expect(received.map(\.0.timestamp) == [0, 0, 0, 3000, 3000, 3000, 6000, 6000, 6000])
        #expect(received.allSatisfy { $0.0.ssrc == 0xABCD_EF01 && $0.0.payloadType == 111 })

        received = []
        let payload: [UInt8] = [1]
        for sequence in 0..<6 {
            payload.withUnsafeBytes { _ = inbox.put(from: ObjectIdentifier(a), header: Self.header(sequence: UInt16(sequence)), payload: $0) }
        }
        drain()
        #expect(received.map(\.0.sequenceNumber) == [0, 1, 2, 3])
        #expect(inbox.dropped == 2)
        let tooLarge = [UInt8](repeating: 0, count: 17)
        #expect(!tooLarge.withUnsafeBytes { inbox.put(from: ObjectIdentifier(a), header: Self.header(sequence: 9), payload: $0) })
        #expect(inbox.dropped == 3)
    }
}
