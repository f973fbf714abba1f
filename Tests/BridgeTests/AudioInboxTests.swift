import Testing
@testable import Bridge

/// The ring that carries audio from the I/O queue to a room's mixing tick.
@Suite struct AudioInboxTests {
    final class Source {}

    /// Packets come out in order, with their payloads, sequence numbers and levels intact, across the ring's end;
    /// a full ring drops and counts, and a drained one takes packets again.
    @Test func keepsOrderWrapsAndDropsWhenFull() {
        let inbox = AudioInbox(capacity: 4)
        let a = Source(), b = Source()
        var received: [(ObjectIdentifier, UInt16, [UInt8], UInt8?)] = []
        func drain() {
            inbox.drain { entry, payload in
                received.append((entry.source, entry.sequenceNumber, Array(payload), entry.level))
            }
        }
        for round in 0..<3 {
            for index in 0..<3 {
                let payload: [UInt8] = [UInt8(round), UInt8(index), 0xAB]
                let kept = payload.withUnsafeBytes {
                    inbox.put(from: ObjectIdentifier(index.isMultiple(of: 2) ? a : b),
                              sequenceNumber: UInt16(round * 10 + index), payload: $0,
                              level: index == 1 ? nil : UInt8(index))
                }
                #expect(kept)
            }
            drain()
        }
        #expect(received.map(\.1) == [0, 1, 2, 10, 11, 12, 20, 21, 22])
        #expect(received.map(\.2) == (0..<3).flatMap { round in (0..<3).map { [UInt8(round), UInt8($0), 0xAB] } })
        #expect(received[1].0 == ObjectIdentifier(b) && received[2].0 == ObjectIdentifier(a))
        #expect(received.map(\.3) == Array(repeating: [0, nil, 2] as [UInt8?], count: 3).flatMap { $0 })

        received = []
        let payload: [UInt8] = [1]
        for sequence in 0..<6 {
            payload.withUnsafeBytes { _ = inbox.put(from: ObjectIdentifier(a), sequenceNumber: UInt16(sequence), payload: $0, level: nil) }
        }
        let tooLarge = [UInt8](repeating: 0, count: AudioInbox.slotBytes + 1)
        drain()
        #expect(received.map(\.1) == [0, 1, 2, 3])
        #expect(inbox.dropped == 2)
        #expect(!tooLarge.withUnsafeBytes { inbox.put(from: ObjectIdentifier(a), sequenceNumber: 9, payload: $0, level: nil) })
        #expect(inbox.dropped == 3)
    }
}
