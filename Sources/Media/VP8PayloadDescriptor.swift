/// The VP8 payload descriptor that starts every VP8 RTP payload (RFC 7741 section 4.2).
///
///      0 1 2 3 4 5 6 7
///     +-+-+-+-+-+-+-+-+
///     |X|R|N|S|R| PID | (REQUIRED)
///     +-+-+-+-+-+-+-+-+
/// X:  |I|L|T|K| RSV   | (OPTIONAL)
///     +-+-+-+-+-+-+-+-+
/// I:  |M| PictureID   | (OPTIONAL)
///     +-+-+-+-+-+-+-+-+
///     |   PictureID   | (second octet when M=1: a 15-bit picture ID)
///     +-+-+-+-+-+-+-+-+
/// L:  |   TL0PICIDX   | (OPTIONAL)
///     +-+-+-+-+-+-+-+-+
/// T/K:|TID|Y| KEYIDX  | (OPTIONAL)
///     +-+-+-+-+-+-+-+-+
///
/// Parse, serialized size and serialize into a caller's buffer; what parses serializes back to the same bytes
/// (reserved bits aside, which are written as zero).
public struct VP8PayloadDescriptor: Sendable, Hashable {
    /// N: the frame is not used as a reference, so it can be discarded.
    public var isNonReference: Bool
    /// S: the payload starts a VP8 partition.
    public var startsPartition: Bool
    /// PID: the partition index (0-7); a frame starts where S=1 and PID=0.
    public var partitionIndex: UInt8
    /// The picture ID (I), 7 or 15 bits.
    public var pictureID: UInt16?
    /// M: the picture ID takes two octets (15 bits) on the wire.
    public var hasLongPictureID: Bool
    /// TL0PICIDX (L).
    public var tl0PictureIndex: UInt8?
    /// TID (T), 0-3.
    public var temporalLayerID: UInt8?
    /// Y: layer sync; carried in the T/K octet, so only written when T or K is present.
    public var isLayerSync: Bool
    /// KEYIDX (K), 0-31.
    public var keyIndex: UInt8?

    static let extendedBit: UInt8 = 0x80
    static let nonReferenceBit: UInt8 = 0x20
    static let startBit: UInt8 = 0x10
    static let partitionIndexMask: UInt8 = 0x07
    static let pictureIDBit: UInt8 = 0x80
    static let tl0PictureIndexBit: UInt8 = 0x40
    static let temporalLayerBit: UInt8 = 0x20
    static let keyIndexBit: UInt8 = 0x10
    static let longPictureIDBit: UInt8 = 0x80

    public init(isNonReference: Bool = false, startsPartition: Bool, partitionIndex: UInt8 = 0,
                pictureID: UInt16? = nil, hasLongPictureID: Bool = true, tl0PictureIndex: UInt8? = nil,
                temporalLayerID: UInt8? = nil, isLayerSync: Bool = false, keyIndex: UInt8? = nil) {
        self.isNonReference = isNonReference
        self.startsPartition = startsPartition
        self.partitionIndex = partitionIndex & Self.partitionIndexMask
        let long = pictureID.map { hasLongPictureID || $0 > 0x7F } ?? false
        self.hasLongPictureID = long
        self.pictureID = pictureID.map { $0 & (long ? 0x7FFF : 0x7F) }
        self.tl0PictureIndex = tl0PictureIndex
        self.temporalLayerID = temporalLayerID.map { $0 & 0x03 }
        self.isLayerSync = (temporalLayerID != nil || keyIndex != nil) && isLayerSync
        self.keyIndex = keyIndex.map { $0 & 0x1F }
    }

    /// Reads the descriptor at the start of a payload; nil when it is truncated or leaves no VP8 data behind it.
    public init?(_ payload: UnsafeRawBufferPointer) {
        guard let first = payload.first else { return nil }
        isNonReference = first & Self.nonReferenceBit != 0
        startsPartition = first & Self.startBit != 0
        partitionIndex = first & Self.partitionIndexMask
        pictureID = nil
        hasLongPictureID = false
        tl0PictureIndex = nil
        temporalLayerID = nil
        isLayerSync = false
        keyIndex = nil
        var offset = 1
        if first & Self.extendedBit != 0 {
            guard offset < payload.count else { return nil }
            let extended = payload[offset]
            offset += 1
            if extended & Self.pictureIDBit != 0 {
                guard offset < payload.count else { return nil }
                let high = payload[offset]
                offset += 1
                if high & Self.longPictureIDBit != 0 {
                    guard offset < payload.count else { return nil }
                    hasLongPictureID = true
                    pictureID = UInt16(high & 0x7F) << 8 | UInt16(payload[offset])
                    offset += 1
                } else {
                    pictureID = UInt16(high)
                }
            }
            if extended & Self.tl0PictureIndexBit != 0 {
                guard offset < payload.count else { return nil }
                tl0PictureIndex = payload[offset]
                offset += 1
            }
            if extended & (Self.temporalLayerBit | Self.keyIndexBit) != 0 {
                guard offset < payload.count else { return nil }
                let layer = payload[offset]
                offset += 1
                if extended & Self.temporalLayerBit != 0 { temporalLayerID = layer >> 6 }
                isLayerSync = layer & 0x20 != 0
                if extended & Self.keyIndexBit != 0 { keyIndex = layer & 0x1F }
            }
        }
        // Section 4.2: a payload carries at least one octet of VP8 data.
        guard offset < payload.count else { return nil }
    }

    private var hasExtension: Bool {
        pictureID != nil || tl0PictureIndex != nil || temporalLayerID != nil || keyIndex != nil
    }

    /// Octets the descriptor takes on the wire.
    public var serializedLength: Int {
        guard hasExtension else { return 1 }
        var length = 2
        if pictureID != nil { length += hasLongPictureID ? 2 : 1 }
        if tl0PictureIndex != nil { length += 1 }
        if temporalLayerID != nil || keyIndex != nil { length += 1 }
        return length
    }

    /// Writes the descriptor at the start of `buffer`; returns the octets written, nil when the buffer is too small.
    public func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let length = serializedLength
        guard buffer.count >= length else { return nil }
        var first = partitionIndex & Self.partitionIndexMask
        if isNonReference { first |= Self.nonReferenceBit }
        if startsPartition { first |= Self.startBit }
        guard hasExtension else {
            buffer[0] = first
            return 1
        }
        buffer[0] = first | Self.extendedBit
        var extended: UInt8 = 0
        var offset = 2
        if let pictureID {
            extended |= Self.pictureIDBit
            if hasLongPictureID {
                buffer[offset] = Self.longPictureIDBit | UInt8(pictureID >> 8 & 0x7F)
                buffer[offset + 1] = UInt8(pictureID & 0xFF)
                offset += 2
            } else {
                buffer[offset] = UInt8(pictureID & 0x7F)
                offset += 1
            }
        }
        if let tl0PictureIndex {
            extended |= Self.tl0PictureIndexBit
            buffer[offset] = tl0PictureIndex
            offset += 1
        }
        if temporalLayerID != nil || keyIndex != nil {
            var layer: UInt8 = isLayerSync ? 0x20 : 0
            if let temporalLayerID {
                extended |= Self.temporalLayerBit
                layer |= (temporalLayerID & 0x03) << 6
            }
            if let keyIndex {
                extended |= Self.keyIndexBit
                layer |= keyIndex & 0x1F
            }
            buffer[offset] = layer
            offset += 1
        }
        buffer[1] = extended
        return offset
    }

    /// Whether this payload starts a frame (S=1 and PID=0).
    public var startsFrame: Bool { startsPartition && partitionIndex == 0 }

    /// Whether the VP8 data that follows the descriptor in the first payload of a frame starts a key frame: the
    /// frame tag's inverse key frame flag P is 0 (RFC 7741 section 4.3, RFC 6386 section 9.1).
    static func isKeyframe(vp8Data: UnsafeRawBufferPointer) -> Bool {
        guard let tag = vp8Data.first else { return false }
        return tag & 0x01 == 0
    }
}
