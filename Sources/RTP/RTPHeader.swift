/// The fixed RTP header and what follows it (RFC 3550 section 5.1), read in place from a datagram.
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |V=2|P|X|  CC   |M|     PT      |       sequence number         |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |                           timestamp                           |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |           synchronization source (SSRC) identifier            |
///     +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
///     |            contributing source (CSRC) identifiers             |
///     |                             ....                              |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///
/// A value type of offsets and fields: parsing copies nothing and allocates nothing.
public struct RTPHeader: Sendable, Hashable {
    public static let fixedLength = 12
    public static let version: UInt8 = 2

    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    public var csrcCount: Int
    /// The header extension's profile word (0xBEDE one-byte, 0x100x two-byte, RFC 8285) and where its data starts.
    public var extensionProfile: UInt16?
    public var extensionRange: Range<Int>?
    /// Where the payload starts and ends (padding excluded).
    public var payloadRange: Range<Int>

    /// Parses the header of an RTP packet; nil when the bytes cannot be one (wrong version, lengths that overrun).
    public init?(_ packet: UnsafeRawBufferPointer) {
        let count = packet.count
        guard count >= Self.fixedLength, packet[0] >> 6 == Self.version else { return nil }
        let first = packet[0]
        csrcCount = Int(first & 0x0F)
        marker = packet[1] & 0x80 != 0
        payloadType = packet[1] & 0x7F
        sequenceNumber = UInt16(packet[2]) << 8 | UInt16(packet[3])
        timestamp = packet.loadBigEndianUInt32(at: 4)
        ssrc = packet.loadBigEndianUInt32(at: 8)
        var offset = Self.fixedLength + 4 * csrcCount
        guard offset <= count else { return nil }
        if first & 0x10 != 0 {
            guard offset + 4 <= count else { return nil }
            extensionProfile = UInt16(packet[offset]) << 8 | UInt16(packet[offset + 1])
            let words = Int(packet[offset + 2]) << 8 | Int(packet[offset + 3])
            let start = offset + 4
            offset = start + 4 * words
            guard offset <= count else { return nil }
            extensionRange = start..<offset
        } else {
            extensionProfile = nil
            extensionRange = nil
        }
        var end = count
        if first & 0x20 != 0 {
            // RFC 3550 section 5.1: the last octet counts the padding, itself included.
            let padding = Int(packet[count - 1])
            guard padding >= 1, end - padding >= offset else { return nil }
            end -= padding
        }
        payloadRange = offset..<end
    }

    /// RFC 5761 section 4: on a multiplexed port, payload types 64-95 (second octet 192-223) are RTCP packet types.
    public static func isRTCP(_ packet: UnsafeRawBufferPointer) -> Bool {
        packet.count >= 2 && (192...223).contains(packet[1])
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always)
    func loadBigEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8
            | UInt32(self[offset + 3])
    }
}
