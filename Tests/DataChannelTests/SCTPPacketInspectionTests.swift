import Testing
@testable import DataChannel
import TestSupport

struct SCTPPacketInspectionTests {
    static let header: [UInt8] = [0x13, 0x88, 0x13, 0x88, 0, 0, 0, 1, 0, 0, 0, 0]

    static func chunk(type: UInt8, flags: UInt8 = 0, value: [UInt8]) -> [UInt8] {
        let length = 4 + value.count
        var bytes = [type, flags, UInt8(length >> 8), UInt8(length & 0xff)] + value
        while bytes.count % 4 != 0 { bytes.append(0) }
        return bytes
    }

    static func forwardTSN(streams: [(UInt16, UInt16)]) -> [UInt8] {
        var value: [UInt8] = [0, 0, 0, 9]
        for (stream, sequence) in streams {
            value += [UInt8(stream >> 8), UInt8(stream & 0xff), UInt8(sequence >> 8), UInt8(sequence & 0xff)]
        }
        return chunk(type: 192, value: value)
    }

    /// A FORWARD-TSN after a SACK names each stream it skips, in order.
    @Test func findsForwardTSNStreams() {
        let sack = Self.chunk(type: 3, value: [0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0])
        let packet = Self.header + sack + Self.forwardTSN(streams: [(3, 7), (1, 2)])
        #expect(SCTPPacketInspection.streamsSkippedByForwardTSN(in: packet) == [3, 1])
    }

    /// I-FORWARD-TSN entries are 8 bytes: stream, reserved and U bit, message id.
    @Test func findsIForwardTSNStreams() {
        let value: [UInt8] = [0, 0, 0, 9, 0, 5, 0, 1, 0, 0, 0, 4, 0x01, 0x00, 0, 0, 0, 0, 0, 1]
        let packet = Self.header + Self.chunk(type: 194, value: value)
        #expect(SCTPPacketInspection.streamsSkippedByForwardTSN(in: packet) == [5, 256])
    }

    /// A FORWARD-TSN with only a cumulative TSN (unordered messages abandoned) names no stream; DATA is ignored.
    @Test func ignoresOtherChunksAndEmptyForwardTSN() {
        let data = Self.chunk(type: 0, flags: 3, value: [0, 0, 0, 1, 0, 4, 0, 0, 0, 0, 0, 51, 65])
        let packet = Self.header + data + Self.forwardTSN(streams: [])
        #expect(SCTPPacketInspection.streamsSkippedByForwardTSN(in: packet) == [])
        var types: [UInt8] = []
        SCTPPacketInspection.forEachChunk(in: packet.withUnsafeBytes { $0 }) { types.append($0.type) }
        #expect(types == [0, 192])
    }

    /// Truncations at every length, bad chunk lengths and short headers yield no crash and no invented stream.
    @Test func hostileInputIsBounded() {
        let packet = Self.header + Self.forwardTSN(streams: [(4, 1), (4, 2)])
        for end in 0...packet.count {
            let streams = SCTPPacketInspection.streamsSkippedByForwardTSN(in: Array(packet[0..<end]))
            // A truncated chunk cannot be framed, so it names nothing; the whole packet names both entries.
            #expect(streams == (end == packet.count ? [4, 4] : []))
        }
        // Length 0, 1..3 (below the header), and past the end.
        for length: UInt16 in [0, 1, 3, 0xffff, 21] {
            let chunk: [UInt8] = [192, 0, UInt8(length >> 8), UInt8(length & 0xff), 0, 0, 0, 1, 0, 4, 0, 0]
            #expect(SCTPPacketInspection.streamsSkippedByForwardTSN(in: Self.header + chunk) == [])
        }
        // A FORWARD-TSN whose length covers only part of an entry yields the whole entries only.
        let partial: [UInt8] = [192, 0, 0, 14, 0, 0, 0, 1, 0, 4, 0, 1, 0, 9, 0, 0]
        #expect(SCTPPacketInspection.streamsSkippedByForwardTSN(in: Self.header + partial) == [4])
    }

    /// Pseudo-random garbage never traps and never reads past the buffer.
    @Test func randomGarbageDoesNotCrash() {
        var generator = SplitMix64(seed: 0x5c7b)
        for _ in 0..<20_000 {
            let count = Int(generator.next() % 96)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            // Bias towards the chunk types under test.
            if count > 12, generator.next() % 2 == 0 { bytes[12] = generator.next() % 2 == 0 ? 192 : 194 }
            let streams = SCTPPacketInspection.streamsSkippedByForwardTSN(in: bytes)
            #expect(streams.count <= max(0, (count - 12) / 4))
        }
    }
}
