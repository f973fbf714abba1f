import Testing
@testable import Media

@Suite struct AudioJitterBufferTests {
    private func payload(_ byte: UInt8) -> [UInt8] { [byte, byte] }

    private func insert(_ buffer: inout AudioJitterBuffer, _ sequence: UInt16,
                        level: UInt8? = nil) -> AudioJitterBuffer.Insertion {
        let bytes = payload(UInt8(truncatingIfNeeded: sequence))
        return bytes.withUnsafeBytes { buffer.insert(sequenceNumber: sequence, payload: $0, audioLevel: level) }
    }

    /// What `pop` yields, as the first payload byte of each packet or "lost"/"wait".
    private func drain(_ buffer: inout AudioJitterBuffer, _ count: Int) -> [String] {
        (0..<count).map { _ in
            switch buffer.pop() {
            case .packet(let slot, let length, _):
                buffer.withPayload(slot: slot, length: length) { String($0[0]) }
            case .lost: "lost"
            case .waiting: "wait"
            }
        }
    }

    /// Playout waits for the playout delay, then yields packets in sequence order though they arrived reordered.
    @Test func reordersWithinThePlayoutDelay() {
        var buffer = AudioJitterBuffer(capacity: 8, playoutDelay: 3)
        #expect(insert(&buffer, 11) == .stored)
        #expect(drain(&buffer, 1) == ["wait"])
        #expect(insert(&buffer, 10) == .stored)
        #expect(insert(&buffer, 12) == .stored)
        #expect(drain(&buffer, 4) == ["10", "11", "12", "wait"])
    }

    /// A gap with later packets present is a loss; a packet arriving after its turn is late; duplicates are refused.
    @Test func lossLateAndDuplicate() {
        var buffer = AudioJitterBuffer(capacity: 8, playoutDelay: 1)
        _ = insert(&buffer, 1)
        _ = insert(&buffer, 3)
        #expect(insert(&buffer, 3) == .duplicate)
        #expect(drain(&buffer, 2) == ["1", "lost"])
        #expect(insert(&buffer, 2) == .late)
        #expect(drain(&buffer, 2) == ["3", "wait"])
    }

    /// When the buffer is full the oldest packets are dropped; a jump far ahead resynchronizes instead of playing
    /// thousands of lost frames.
    @Test func boundedDropsOldestAndResynchronizes() {
        var buffer = AudioJitterBuffer(capacity: 4, playoutDelay: 2)
        for sequence: UInt16 in 0..<4 { _ = insert(&buffer, sequence) }
        #expect(insert(&buffer, 5) == .storedDroppingOldest(2))
        #expect(buffer.count == 3)
        #expect(drain(&buffer, 4) == ["2", "3", "lost", "5"])
        #expect(insert(&buffer, 30_000) == .stored)
        #expect(insert(&buffer, 30_001) == .stored)
        #expect(drain(&buffer, 3) == ["48", "49", "wait"])  // 30000 & 0xFF == 48
    }

    /// Sequence numbers wrap from 65535 to 0 without a hiccup.
    @Test func sequenceNumbersWrap() {
        var buffer = AudioJitterBuffer(capacity: 8, playoutDelay: 1)
        _ = insert(&buffer, 65_534)
        _ = insert(&buffer, 0)
        _ = insert(&buffer, 65_535)
        #expect(drain(&buffer, 4) == ["254", "255", "0", "wait"])
    }

    /// Oversized payloads are refused; reset forgets everything.
    @Test func oversizedAndReset() {
        var buffer = AudioJitterBuffer(capacity: 4, playoutDelay: 1, maximumPayload: 4)
        let big = [UInt8](repeating: 1, count: 5)
        #expect(big.withUnsafeBytes { buffer.insert(sequenceNumber: 1, payload: $0, audioLevel: nil) } == .tooLarge)
        _ = insert(&buffer, 7, level: 30)
        #expect(buffer.pop() == .packet(slot: Int((7 + 65_536) % 4), length: 2, audioLevel: 30))
        _ = insert(&buffer, 8)
        buffer.reset()
        #expect(buffer.count == 0)
        #expect(drain(&buffer, 1) == ["wait"])
    }
}
