// Feedback messages share one layout (RFC 4585 section 6.1):
//
//      0                   1                   2                   3
//      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//     |V=2|P|   FMT   |       PT      |          length               |
//     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//     |                  SSRC of packet sender                        |
//     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//     |                  SSRC of media source                         |
//     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//     :            Feedback Control Information (FCI)                 :

/// Generic NACK (RFC 4585 section 6.2.1): RTPFB, FMT 1. Each FCI entry names a lost packet (PID) and, in its
/// bitmask (BLP), which of the 16 following packets are lost too.
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |            PID                |             BLP               |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
public struct RTCPGenericNACK: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var packetID: UInt16
        public var lostBitmask: UInt16

        public init(packetID: UInt16, lostBitmask: UInt16 = 0) {
            self.packetID = packetID
            self.lostBitmask = lostBitmask
        }
    }

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    public var entries: [Entry]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32, entries: [Entry]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.entries = entries
    }

    /// A NACK for these lost sequence numbers (ascending, wrapping allowed), packed 17 to an entry.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32, lost: some Sequence<UInt16>) {
        var entries: [Entry] = []
        for sequence in lost {
            if var last = entries.last {
                let distance = sequence &- last.packetID
                if distance == 0 { continue }
                if distance <= 16 {
                    last.lostBitmask |= 1 << (distance - 1)
                    entries[entries.count - 1] = last
                    continue
                }
            }
            entries.append(Entry(packetID: sequence))
        }
        self.init(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, entries: entries)
    }

    /// Every sequence number the NACK reports lost, in order.
    public var lostSequenceNumbers: [UInt16] {
        entries.flatMap { entry in
            [entry.packetID] + (0..<16).filter { entry.lostBitmask & 1 << $0 != 0 }.map { entry.packetID &+ UInt16($0) &+ 1 }
        }
    }

    init(body: RTCPReader) throws(RTCPError) {
        var reader = body
        senderSSRC = try reader.u32()
        mediaSSRC = try reader.u32()
        guard reader.remaining % 4 == 0 else { throw .malformed(packetType: RTCPPacketType.transportFeedback) }
        entries = []
        entries.reserveCapacity(reader.remaining / 4)
        while reader.remaining > 0 {
            entries.append(Entry(packetID: try reader.u16(), lostBitmask: try reader.u16()))
        }
    }

    public var serializedLength: Int { 12 + 4 * entries.count }

    public func serialize(into buffer: UnsafeMutableRawBufferPointer, at offset: Int = 0) throws(RTCPError) -> Int {
        var writer = try RTCPWriter(buffer: buffer, offset: offset, length: serializedLength,
                                    count: RTCPFeedbackFormat.genericNACK, packetType: RTCPPacketType.transportFeedback)
        writer.u32(senderSSRC)
        writer.u32(mediaSSRC)
        for entry in entries {
            writer.u16(entry.packetID)
            writer.u16(entry.lostBitmask)
        }
        return writer.position
    }
}

/// Picture loss indication (RFC 4585 section 6.3.1): PSFB, FMT 1, no FCI. Asks the media source for a keyframe.
public struct RTCPPictureLossIndication: Sendable, Hashable {
    public static let length = 12

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32

    public init(senderSSRC: UInt32, mediaSSRC: UInt32) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
    }

    init(body: RTCPReader) throws(RTCPError) {
        var reader = body
        senderSSRC = try reader.u32()
        mediaSSRC = try reader.u32()
    }

    public var serializedLength: Int { Self.length }

    public func serialize(into buffer: UnsafeMutableRawBufferPointer, at offset: Int = 0) throws(RTCPError) -> Int {
        var writer = try RTCPWriter(buffer: buffer, offset: offset, length: Self.length,
                                    count: RTCPFeedbackFormat.pictureLossIndication,
                                    packetType: RTCPPacketType.payloadFeedback)
        writer.u32(senderSSRC)
        writer.u32(mediaSSRC)
        return writer.position
    }
}

/// Full intra request (RFC 5104 section 4.3.1): PSFB, FMT 4. The media source field is 0; each FCI entry names the
/// sender asked for a decoder refresh point and a command sequence number, incremented per new request and kept on
/// repetitions.
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |                              SSRC                             |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     | Seq nr.       |    Reserved                                   |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
public struct RTCPFullIntraRequest: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var ssrc: UInt32
        public var sequenceNumber: UInt8

        public init(ssrc: UInt32, sequenceNumber: UInt8) {
            self.ssrc = ssrc
            self.sequenceNumber = sequenceNumber
        }
    }

    public var senderSSRC: UInt32
    public var entries: [Entry]

    public init(senderSSRC: UInt32, entries: [Entry]) {
        self.senderSSRC = senderSSRC
        self.entries = entries
    }

    init(body: RTCPReader) throws(RTCPError) {
        var reader = body
        senderSSRC = try reader.u32()
        _ = try reader.u32()  // media source: SHALL be 0, ignored
        guard reader.remaining % 8 == 0 else { throw .malformed(packetType: RTCPPacketType.payloadFeedback) }
        entries = []
        entries.reserveCapacity(reader.remaining / 8)
        while reader.remaining > 0 {
            let ssrc = try reader.u32()
            let word = try reader.u32()
            entries.append(Entry(ssrc: ssrc, sequenceNumber: UInt8(word >> 24)))
        }
    }

    public var serializedLength: Int { 12 + 8 * entries.count }

    public func serialize(into buffer: UnsafeMutableRawBufferPointer, at offset: Int = 0) throws(RTCPError) -> Int {
        var writer = try RTCPWriter(buffer: buffer, offset: offset, length: serializedLength,
                                    count: RTCPFeedbackFormat.fullIntraRequest,
                                    packetType: RTCPPacketType.payloadFeedback)
        writer.u32(senderSSRC)
        writer.u32(0)
        for entry in entries {
            writer.u32(entry.ssrc)
            writer.u32(UInt32(entry.sequenceNumber) << 24)
        }
        return writer.position
    }
}

/// The FIR command sequence numbers a sender of requests keeps, one per media source (RFC 5104 section 4.3.1.1:
/// "unique for each pairing of the SSRC of command source and the SSRC of command target").
public struct FullIntraRequestSequence: Sendable, Hashable {
    private var next: [UInt32: UInt8] = [:]

    public init() {}

    /// The entry for a new request to `ssrc` (the number advances); `repeating` re-sends the last one unchanged.
    public mutating func entry(for ssrc: UInt32, repeating: Bool = false) -> RTCPFullIntraRequest.Entry {
        if repeating, let following = next[ssrc] { return .init(ssrc: ssrc, sequenceNumber: following &- 1) }
        let current = next[ssrc] ?? 0
        next[ssrc] = current &+ 1
        return .init(ssrc: ssrc, sequenceNumber: current)
    }
}
