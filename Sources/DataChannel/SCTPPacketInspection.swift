/// A read-only look at the chunks of an inbound SCTP packet, before usrsctp sees it, to catch partial reliability
/// on the CLUE stream (RFC 8850 section 3.2.3). Every read is bounds-checked: the bytes come from the peer.
///
/// RFC 9260 section 3: a 12-byte common header, then chunks, each padded to a multiple of 4 bytes.
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |     Source Port Number        |     Destination Port Number   |
///     |                      Verification Tag                         |
///     |                           Checksum                            |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |   Chunk Type  | Chunk  Flags  |        Chunk Length           |
///     |                          Chunk Value ...                      |
public enum SCTPPacketInspection {
    public static let commonHeaderLength = 12
    static let chunkHeaderLength = 4

    /// Chunk types this module looks for.
    public enum ChunkType {
        /// RFC 3758 section 3.2.
        public static let forwardTSN: UInt8 = 192
        /// RFC 8260 section 2.3.1.
        public static let iForwardTSN: UInt8 = 194
    }

    /// One chunk: its type, flags and value (without header or padding), as offsets into the packet.
    public struct Chunk: Equatable, Sendable {
        public var type: UInt8
        public var flags: UInt8
        public var value: Range<Int>
    }

    /// Calls `body` for each well-formed chunk in order, and stops at the first chunk whose length field is below
    /// 4 or runs past the packet (the rest cannot be framed). A packet shorter than the common header has no chunks.
    public static func forEachChunk(in packet: UnsafeRawBufferPointer, _ body: (Chunk) -> Void) {
        var offset = commonHeaderLength
        while packet.count - offset >= chunkHeaderLength {
            let length = Int(readUInt16(packet, at: offset + 2))
            guard length >= chunkHeaderLength, length <= packet.count - offset else { return }
            body(Chunk(type: packet[offset], flags: packet[offset + 1],
                       value: (offset + chunkHeaderLength)..<(offset + length)))
            // The last chunk's padding may be missing; the loop condition handles it.
            offset += (length + 3) & ~3
        }
    }

    /// The stream ids that FORWARD-TSN and I-FORWARD-TSN chunks in this packet skip messages on (in order, with
    /// repeats). A FORWARD-TSN without stream entries (only unordered messages abandoned) names none.
    ///
    /// FORWARD-TSN (RFC 3758 section 3.2), entries of 4 bytes:
    ///
    ///     |   Type = 192  |  Flags = 0x00 |        Length = Variable      |
    ///     |                      New Cumulative TSN                       |
    ///     |         Stream-1              |       Stream Sequence-1       |
    ///
    /// I-FORWARD-TSN (RFC 8260 section 2.3.1), entries of 8 bytes:
    ///
    ///     |   Type = 194  |  Flags = 0x00 |        Length = Variable      |
    ///     |                      New Cumulative TSN                       |
    ///     |       Stream Identifier       |          Reserved           |U|
    ///     |                       Message Identifier                      |
    public static func streamsSkippedByForwardTSN(in packet: UnsafeRawBufferPointer) -> [UInt16] {
        var streams: [UInt16] = []
        forEachChunk(in: packet) { chunk in
            let entryLength: Int
            switch chunk.type {
            case ChunkType.forwardTSN: entryLength = 4
            case ChunkType.iForwardTSN: entryLength = 8
            default: return
            }
            var offset = chunk.value.lowerBound + 4  // after New Cumulative TSN
            while chunk.value.upperBound - offset >= entryLength {
                streams.append(readUInt16(packet, at: offset))
                offset += entryLength
            }
        }
        return streams
    }

    public static func streamsSkippedByForwardTSN(in packet: [UInt8]) -> [UInt16] {
        packet.withUnsafeBytes { streamsSkippedByForwardTSN(in: $0) }
    }

    /// Callers have checked that `offset + 2 <= packet.count`.
    private static func readUInt16(_ packet: UnsafeRawBufferPointer, at offset: Int) -> UInt16 {
        UInt16(packet[offset]) << 8 | UInt16(packet[offset + 1])
    }
}

import CUsrsctp

extension SCTPPacketInspection {
    /// The packet with its CRC32c checksum (RFC 9260 appendix A) recomputed; for crafting packets in tests.
    static func withValidChecksum(_ packet: [UInt8]) -> [UInt8] {
        guard packet.count >= commonHeaderLength else { return packet }
        var packet = packet
        packet.replaceSubrange(8..<12, with: [0, 0, 0, 0])
        let checksum = packet.withUnsafeMutableBytes { usrsctp_crc32c($0.baseAddress, $0.count) }
        withUnsafeBytes(of: checksum) { packet.replaceSubrange(8..<12, with: $0) }
        return packet
    }
}
