/// RTCP packet types (RFC 3550 section 12.1, RFC 4585 section 6.1).
public enum RTCPPacketType {
    public static let senderReport: UInt8 = 200
    public static let receiverReport: UInt8 = 201
    public static let sourceDescription: UInt8 = 202
    public static let goodbye: UInt8 = 203
    public static let application: UInt8 = 204
    /// RTPFB: transport layer feedback (RFC 4585 section 6.2).
    public static let transportFeedback: UInt8 = 205
    /// PSFB: payload-specific feedback (RFC 4585 section 6.3).
    public static let payloadFeedback: UInt8 = 206
}

/// Feedback message types, the FMT field of RTPFB and PSFB packets.
public enum RTCPFeedbackFormat {
    /// RTPFB FMT 1 (RFC 4585 section 6.2.1).
    public static let genericNACK: UInt8 = 1
    /// PSFB FMT 1 (RFC 4585 section 6.3.1).
    public static let pictureLossIndication: UInt8 = 1
    /// PSFB FMT 4 (RFC 5104 section 4.3.1).
    public static let fullIntraRequest: UInt8 = 4
}

/// Why RTCP bytes were refused or could not be written.
public enum RTCPError: Error, Sendable, Hashable {
    /// Fewer bytes than a header, or than the header's length says.
    case truncated
    /// Version other than 2 (RFC 3550 section 6.4.1).
    case badVersion
    /// Padding that does not fit the packet (RFC 3550 section 6.4.1).
    case badPadding
    /// A packet whose body does not match its type's layout.
    case malformed(packetType: UInt8)
    /// More than 31 report blocks, chunks or sources: the count field has 5 bits.
    case tooManyEntries
    /// A value longer than its 8-bit length field allows.
    case valueTooLong
    /// The caller's buffer needs `required` bytes.
    case bufferTooSmall(required: Int)
}

/// One packet of a compound RTCP packet, parsed into a value.
public enum RTCPPacket: Sendable, Hashable {
    case senderReport(RTCPSenderReport)
    case receiverReport(RTCPReceiverReport)
    case sourceDescription(RTCPSourceDescription)
    case goodbye(RTCPGoodbye)
    case genericNACK(RTCPGenericNACK)
    case pictureLossIndication(RTCPPictureLossIndication)
    case fullIntraRequest(RTCPFullIntraRequest)
    /// A packet this module does not read (APP, XR, other feedback): its type, count/FMT field and where it lies
    /// in the compound packet.
    case other(packetType: UInt8, count: UInt8, range: Range<Int>)

    /// Every packet of a compound packet; convenience for tests and tools (the iterator allocates no array).
    public static func parseCompound(_ bytes: UnsafeRawBufferPointer) throws(RTCPError) -> [RTCPPacket] {
        var iterator = RTCPCompoundIterator(bytes)
        var packets: [RTCPPacket] = []
        while let packet = try iterator.next() { packets.append(packet) }
        return packets
    }

    /// Bytes the packet takes when serialized; nil for `.other`.
    public var serializedLength: Int? {
        switch self {
        case .senderReport(let packet): packet.serializedLength
        case .receiverReport(let packet): packet.serializedLength
        case .sourceDescription(let packet): packet.serializedLength
        case .goodbye(let packet): packet.serializedLength
        case .genericNACK(let packet): packet.serializedLength
        case .pictureLossIndication(let packet): packet.serializedLength
        case .fullIntraRequest(let packet): packet.serializedLength
        case .other: nil
        }
    }

    /// Writes the packet at `offset` and returns the offset after it; `.other` writes nothing.
    public func serialize(into buffer: UnsafeMutableRawBufferPointer, at offset: Int = 0) throws(RTCPError) -> Int {
        switch self {
        case .senderReport(let packet): try packet.serialize(into: buffer, at: offset)
        case .receiverReport(let packet): try packet.serialize(into: buffer, at: offset)
        case .sourceDescription(let packet): try packet.serialize(into: buffer, at: offset)
        case .goodbye(let packet): try packet.serialize(into: buffer, at: offset)
        case .genericNACK(let packet): try packet.serialize(into: buffer, at: offset)
        case .pictureLossIndication(let packet): try packet.serialize(into: buffer, at: offset)
        case .fullIntraRequest(let packet): try packet.serialize(into: buffer, at: offset)
        case .other: offset
        }
    }
}

/// Walks a compound RTCP packet (RFC 3550 section 6.1) one packet at a time, checking each header's length against
/// the datagram before reading the body. Stops with an error at the first packet that does not fit; packets
/// already returned stay valid. The framing follows RFC 3550 section 6.4.1 for every type:
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///     |V=2|P|  count  |      PT       |     length (words - 1)        |
///     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
///
/// Reduced-size RTCP (RFC 5506) is accepted: any type may come first.
public struct RTCPCompoundIterator {
    let bytes: UnsafeRawBufferPointer
    public private(set) var offset = 0

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    public mutating func next() throws(RTCPError) -> RTCPPacket? {
        guard offset < bytes.count else { return nil }
        guard bytes.count - offset >= 4 else { throw .truncated }
        let first = bytes[offset]
        guard first >> 6 == 2 else { throw .badVersion }
        let count = first & 0x1F
        let type = bytes[offset + 1]
        let length = 4 * (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]) + 1)
        guard offset + length <= bytes.count else { throw .truncated }
        var end = offset + length
        if first & 0x20 != 0 {
            let padding = Int(bytes[end - 1])
            guard padding >= 1, end - padding >= offset + 4 else { throw .badPadding }
            end -= padding
        }
        let packetRange = offset..<end
        offset += length
        let body = RTCPReader(bytes: bytes, position: packetRange.lowerBound + 4, end: end, packetType: type)
        switch type {
        case RTCPPacketType.senderReport:
            return .senderReport(try RTCPSenderReport(count: count, body: body))
        case RTCPPacketType.receiverReport:
            return .receiverReport(try RTCPReceiverReport(count: count, body: body))
        case RTCPPacketType.sourceDescription:
            return .sourceDescription(try RTCPSourceDescription(count: count, body: body))
        case RTCPPacketType.goodbye:
            return .goodbye(try RTCPGoodbye(count: count, body: body))
        case RTCPPacketType.transportFeedback where count == RTCPFeedbackFormat.genericNACK:
            return .genericNACK(try RTCPGenericNACK(body: body))
        case RTCPPacketType.payloadFeedback where count == RTCPFeedbackFormat.pictureLossIndication:
            return .pictureLossIndication(try RTCPPictureLossIndication(body: body))
        case RTCPPacketType.payloadFeedback where count == RTCPFeedbackFormat.fullIntraRequest:
            return .fullIntraRequest(try RTCPFullIntraRequest(body: body))
        default:
            return .other(packetType: type, count: count, range: packetRange.lowerBound..<packetRange.lowerBound + length)
        }
    }
}

/// Bounds-checked big-endian reads over one packet's body.
struct RTCPReader {
    let bytes: UnsafeRawBufferPointer
    var position: Int
    let end: Int
    let packetType: UInt8

    var remaining: Int { end - position }

    mutating func u8() throws(RTCPError) -> UInt8 {
        guard remaining >= 1 else { throw .malformed(packetType: packetType) }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16() throws(RTCPError) -> UInt16 {
        guard remaining >= 2 else { throw .malformed(packetType: packetType) }
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    mutating func u32() throws(RTCPError) -> UInt32 {
        guard remaining >= 4 else { throw .malformed(packetType: packetType) }
        defer { position += 4 }
        return bytes.loadBigEndianUInt32(at: position)
    }

    mutating func bytes(_ count: Int) throws(RTCPError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .malformed(packetType: packetType) }
        defer { position += count }
        return Array(UnsafeRawBufferPointer(rebasing: bytes[position..<position + count]))
    }

    mutating func skip(_ count: Int) throws(RTCPError) {
        guard count >= 0, remaining >= count else { throw .malformed(packetType: packetType) }
        position += count
    }
}

/// Big-endian writes into a caller's buffer whose room was checked up front.
struct RTCPWriter {
    let buffer: UnsafeMutableRawBufferPointer
    var position: Int

    /// Checks that `length` bytes fit at `offset` and writes the common header.
    init(buffer: UnsafeMutableRawBufferPointer, offset: Int, length: Int, count: UInt8, packetType: UInt8)
        throws(RTCPError) {
        guard offset >= 0, offset + length <= buffer.count else { throw .bufferTooSmall(required: offset + length) }
        guard count < 32 else { throw .tooManyEntries }
        self.buffer = buffer
        position = offset
        u8(0x80 | count)
        u8(packetType)
        u16(UInt16(length / 4 - 1))
    }

    mutating func u8(_ value: UInt8) {
        buffer[position] = value
        position += 1
    }

    mutating func u16(_ value: UInt16) {
        buffer.storeBigEndian(value, at: position)
        position += 2
    }

    mutating func u32(_ value: UInt32) {
        buffer.storeBigEndian(value, at: position)
        position += 4
    }

    mutating func bytes(_ value: [UInt8]) {
        for byte in value { u8(byte) }
    }

    mutating func zeros(_ count: Int) {
        for _ in 0..<count { u8(0) }
    }
}
